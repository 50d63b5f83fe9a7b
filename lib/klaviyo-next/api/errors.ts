/** One JSON:API error object as Klaviyo sends it. */
export interface KlaviyoErrorObject {
  id?: string;
  status?: number;
  code?: string;
  title?: string;
  detail?: string;
  source?: { pointer?: string; parameter?: string };
  meta?: Record<string, unknown>;
}

/**
 * Every failed Klaviyo call ends in this error: an HTTP error answer, a timeout or a network failure.
 * `retryable` says whether sending the same request again can succeed; `retryAfterMs` is Klaviyo's
 * `Retry-After` when it sent one.
 */
export class KlaviyoApiError extends Error {
  override readonly name = 'KlaviyoApiError';
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly pointer?: string;
  readonly parameter?: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly errors: KlaviyoErrorObject[];

  constructor(
    readonly operation: string,
    init: {
      status: number;
      code: string;
      detail: string;
      pointer?: string;
      parameter?: string;
      retryAfterMs?: number;
      errors?: KlaviyoErrorObject[];
    },
  ) {
    super(`${operation}: ${init.status ? `${init.status} ` : ''}${init.code}: ${init.detail}`);
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.pointer = init.pointer;
    this.parameter = init.parameter;
    this.retryAfterMs = init.retryAfterMs;
    this.errors = init.errors ?? [];
    this.retryable = isRetryableStatus(init.status);
  }

  /** The `meta.duplicate_profile_id` of a 409 `duplicate_profile`, if this is one. */
  get duplicateProfileId(): string | undefined {
    const id = this.errors.find((e) => e.code === 'duplicate_profile')?.meta?.duplicate_profile_id;
    return typeof id === 'string' ? id : undefined;
  }
}

/** 0 stands for "no answer" (timeout, connection failure): worth another try, like 429 and 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

/** Reads Retry-After as seconds (Klaviyo's form) or an HTTP date. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** The typed error of an error answer whose body has been read (`text`, possibly not JSON). */
export function errorFromAnswer(operation: string, response: Response, text: string, nowMs: number) {
  let errors: KlaviyoErrorObject[] = [];
  try {
    const body = JSON.parse(text) as { errors?: KlaviyoErrorObject[] };
    errors = Array.isArray(body?.errors) ? body.errors : [];
  } catch {
    // A body that is not JSON (a proxy's error page) still yields a typed error below.
  }
  const first = errors[0];
  return new KlaviyoApiError(operation, {
    status: response.status,
    code: first?.code ?? `http_${response.status}`,
    detail: first?.detail ?? (response.statusText || 'Klaviyo answered with an error.'),
    pointer: first?.source?.pointer,
    parameter: first?.source?.parameter,
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), nowMs),
    errors,
  });
}
