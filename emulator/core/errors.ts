import { randomUUID } from 'node:crypto';

/**
 * Klaviyo's JSON:API error object. The spec requires `id, code, title, detail`; real responses also
 * carry `status`, `source`, `links` and `meta` (docs/klaviyo-notes.md#errors).
 */
export interface ApiErrorObject {
  id: string;
  status: number;
  code: string;
  title: string;
  detail: string;
  source?: { pointer?: string; parameter?: string };
  links: Record<string, string>;
  meta: Record<string, unknown>;
}

const TITLES: Record<string, string> = {
  invalid: 'Invalid input.',
  not_authenticated: 'Authentication credentials were not provided.',
  authentication_failed: 'Incorrect authentication credentials.',
  permission_denied: 'You do not have permission to perform this action.',
  not_found: 'Not found.',
  method_not_allowed: 'Method not allowed.',
  duplicate_profile: 'Conflict.',
  conflict: 'Conflict.',
  throttled: 'Request was throttled.',
  payload_too_large: 'Request entity too large.',
  unsupported_media_type: 'Unsupported media type.',
  not_implemented: 'Not implemented.',
  server_error: 'A server error occurred.',
  service_unavailable: 'Service unavailable.',
};

/** An error the emulator answers with; thrown anywhere in the pipeline and rendered once. */
export class EmulatorError extends Error {
  readonly headers: Record<string, string>;
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly options: {
      pointer?: string;
      parameter?: string;
      meta?: Record<string, unknown>;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(detail);
    this.headers = options.headers ?? {};
  }

  toObject(): ApiErrorObject {
    const source =
      this.options.pointer !== undefined
        ? { pointer: this.options.pointer }
        : this.options.parameter !== undefined
          ? { parameter: this.options.parameter }
          : undefined;
    return {
      id: randomUUID(),
      status: this.status,
      code: this.code,
      title: TITLES[this.code] ?? 'Error.',
      detail: this.detail,
      ...(source ? { source } : {}),
      links: {},
      meta: this.options.meta ?? {},
    };
  }
}

export const invalid = (detail: string, where: { pointer?: string; parameter?: string } = {}) =>
  new EmulatorError(400, 'invalid', detail, where);

export const notFound = (detail: string) => new EmulatorError(404, 'not_found', detail);

export const conflict = (detail: string, meta?: Record<string, unknown>) =>
  new EmulatorError(409, 'conflict', detail, { meta });
