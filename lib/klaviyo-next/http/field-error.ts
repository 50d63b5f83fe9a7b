import type { z } from 'zod';

// How every route, server action and form names bad input. It depends only on zod, so the plugin
// (relay, admin), the store and the browser's forms share it without importing one another.

/** What a caller is told about bad input: the field (dotted path) and what is wrong with it. */
export interface FieldError {
  field?: string;
  message: string;
}

/**
 * The first problem zod found, named by its field. An unexpected key is reported under its own name,
 * so `{ "email": ... }` sent where identity comes from the session says "email: is not accepted".
 */
export function fieldErrorOf(error: z.ZodError): FieldError {
  const issue = error.issues[0];
  if (!issue) return { message: 'Invalid input.' };
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const key = [path, issue.keys[0]].filter(Boolean).join('.');
    return { field: key, message: `${key} is not accepted here.` };
  }
  return { ...(path ? { field: path } : {}), message: path ? `${path}: ${issue.message}` : issue.message };
}
