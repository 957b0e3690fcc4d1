import { forward } from '@/lib/forward';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';
export const POST = forward;
export const GET = forward;
export const OPTIONS = forward;
