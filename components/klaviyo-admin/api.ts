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

/**
 * Where the host mounted the dashboard's route handlers and its own sign-in page; `QueryProvider`'s
 * props set them (one dashboard per tab). The defaults are the paths the demo mounts.
 */
export interface DashboardPaths {
  /** The prefix of `klaviyo.routes.dashboard.*`: `${api}/lists`, `${api}/lists/[id]`, ... */
  api: string;
  /** Where a browser whose session ended is sent, with `?callbackUrl=`. */
  signIn: string;
}
const paths: DashboardPaths = { api: '/api/admin', signIn: '/admin/sign-in' };

export function setDashboardPaths(next: Partial<DashboardPaths>): void {
  Object.assign(paths, next);
}

function toSignIn(): void {
  if (typeof window === 'undefined') return;
  const separator = paths.signIn.includes('?') ? '&' : '?';
  window.location.assign(
    `${paths.signIn}${separator}callbackUrl=${encodeURIComponent(window.location.pathname)}`,
  );
}

/** GETs a dashboard route handler's JSON (`path` as the views name it, under `/api/admin`). A 401 means the session ended: back to sign-in. */
export async function getJson<T>(path: string, params: Record<string, string | undefined> = {}): Promise<T> {
  const query = new URLSearchParams(
    Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  ).toString();
  const url = path.replace(/^\/api\/admin(?=\/|$)/, paths.api);
  const response = await fetch(query ? `${url}?${query}` : url, {
    headers: { accept: 'application/json' },
    cache: 'no-store',
  });
  if (response.status === 401) toSignIn();
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
  if (answer.error.code === 'unauthenticated') toSignIn();
  throw new ApiRequestError(answer.error.code === 'invalid' ? 400 : 500, answer.error.message);
}

/** A server action as the views receive it from their page (a prop, so components never import app/). */
export type Action<I, T> = (input: I) => Promise<ActionResult<T>>;
