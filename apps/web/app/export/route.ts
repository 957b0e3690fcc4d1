import { forward } from '@/lib/forward';

// GET /export streams a result list from the API (apps/api/src/http/export.ts): the browser saves it as it comes.
export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';
export const GET = forward;
