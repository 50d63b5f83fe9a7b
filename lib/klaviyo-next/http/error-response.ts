import type { FieldError } from './field-error';

/** The JSON body of every route handler's refusal: the field to blame when there is one, and what is wrong. */
export interface ErrorBody {
  error: FieldError;
}

/**
 * The one way a route handler refuses: `{ error: { field?, message } }` with the status (and headers
 * such as Retry-After). Only those two keys are sent, whatever else the caller's error object holds,
 * so every route answers a client the same shape.
 */
export function errorResponse(status: number, error: FieldError, headers?: HeadersInit): Response {
  const body: ErrorBody = {
    error: { ...(error.field ? { field: error.field } : {}), message: error.message },
  };
  return Response.json(body, { status, headers });
}
