import { forward } from '@/lib/forward';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';
export const GET = forward;
export const HEAD = forward;
