import 'server-only';
import { z } from 'zod';
import { errorResponse } from '../http/error-response';
import { failureResponse } from './errors';

/** Parses a request's query string with `schema`; a 400 naming the field when it does not fit. */
export function parseQuery<S extends z.ZodType>(
  request: Request,
  schema: S,
): { ok: true; data: z.output<S> } | { ok: false; response: Response } {
  const parsed = schema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (parsed.success) return { ok: true, data: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || 'query';
  return {
    ok: false,
    response: errorResponse(400, { field, message: `${field}: ${issue?.message ?? 'invalid'}` }),
  };
}

/** Runs one lib/klaviyo-next/dashboard read and answers with its JSON, or the failure's status. Never cached by browsers. */
export async function answer<T>(read: () => Promise<T>): Promise<Response> {
  try {
    return Response.json(await read(), { headers: { 'Cache-Control': 'no-store' } });
  } catch (error) {
    return failureResponse(error);
  }
}

/** A Klaviyo cursor as it travels in `?cursor=`: opaque, but bounded. */
export const cursorParam = z.string().min(1).max(1000).optional();
/** A Klaviyo resource id in a path. */
export const klaviyoId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a Klaviyo id');
/** The query of a handler whose only parameter is the page cursor. */
export const cursorQuery = z.object({ cursor: cursorParam });

/** Parses the `[id]` route param as a Klaviyo id; a 400 naming `id` when it is not one. */
export async function parseId(
  params: Promise<{ id: string }>,
): Promise<{ ok: true; id: string } | { ok: false; response: Response }> {
  const id = klaviyoId.safeParse((await params).id);
  if (id.success) return { ok: true, id: id.data };
  return { ok: false, response: errorResponse(400, { field: 'id', message: 'id: must be a Klaviyo id' }) };
}
