import { z } from 'zod';

// Form fields arrive as strings; a number typed into a form is still a number.

/** A number field: a non-blank string is read as a number first, then checked by `schema`. */
export const formNumber = (schema: z.ZodNumber) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), schema);

/** An optional text field of at most `max` characters, trimmed; a blank one is left out. */
export const optionalFormText = (max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.string().trim().max(max).optional(),
  );
