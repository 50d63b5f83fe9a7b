import type { ActionResult } from '@/lib/klaviyo-next/browser';

/** An admin API answer that was not 2xx, with the server's message. */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** GETs an admin route handler's JSON. A 401 means the session ended: back to sign-in. */
export async function getJson<T>(path: string, params: Record<string, string | undefined> = {}): Promise<T> {
  const query = new URLSearchParams(
    Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  ).toString();
  const response = await fetch(query ? `${path}?${query}` : path, {
    headers: { accept: 'application/json' },
    cache: 'no-store',
  });
  if (response.status === 401 && typeof window !== 'undefined') {
    window.location.assign(`/admin/sign-in?callbackUrl=${encodeURIComponent(window.location.pathname)}`);
  }
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (!response.ok)
    throw new ApiRequestError(
      response.status,
      body?.error?.message ?? `Request failed (${response.status}).`,
    );
  return body as T;
}

/** Unwraps a server action's result for react-query: an `{ ok: false }` answer becomes a thrown error. */
export async function unwrap<T>(result: Promise<ActionResult<T>>): Promise<T> {
  const answer = await result;
  if (answer.ok) return answer.data;
  if (answer.error.code === 'unauthenticated' && typeof window !== 'undefined') {
    window.location.assign(`/admin/sign-in?callbackUrl=${encodeURIComponent(window.location.pathname)}`);
  }
  throw new ApiRequestError(answer.error.code === 'invalid' ? 400 : 500, answer.error.message);
}

/** A server action as the views receive it from their page (a prop, so components never import app/). */
export type Action<I, T> = (input: I) => Promise<ActionResult<T>>;
