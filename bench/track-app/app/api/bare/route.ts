/**
 * The baseline: a route handler that does what any JSON endpoint must (read and parse the body) and
 * answers 202, with nothing of the plugin.
 */
export async function POST(request: Request): Promise<Response> {
  const body: unknown = await request.json().catch(() => undefined);
  return Response.json({ accepted: body !== undefined }, { status: 202 });
}
