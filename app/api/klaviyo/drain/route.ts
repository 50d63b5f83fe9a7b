import { errorResponse } from '@/lib/klaviyo-next/http/error-response';
import { drainFromRequest } from '@/lib/klaviyo-next/outbox/drain-request';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';
// Serverless hosts stop a function after its limit; the drain stops early and the next cron run
// continues where it left off.
export const maxDuration = 60;

async function handle(request: Request): Promise<Response> {
  const outcome = await drainFromRequest(request.headers.get('authorization'), 50_000);
  if (outcome.status !== 200) return errorResponse(outcome.status, outcome.error);
  return Response.json(outcome.result);
}

// Vercel Cron calls with GET; other schedulers usually POST.
export { handle as GET, handle as POST };
