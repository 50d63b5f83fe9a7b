import type { ActionError } from '@/lib/klaviyo-next/http/action-result';

/** A store action's failure as the forms receive it: the app's one action error. */
export type FormError = ActionError;

/**
 * The message for one field, without the `path: ` prefix the server puts on it ("shippingAddress.zip:
 * is not a postal code" reads "Postal code is not a postal code" under the Postal code field).
 */
export function fieldMessage(error: FormError | undefined, field: string, label: string): string | undefined {
  if (!error || error.field !== field) return undefined;
  const text = error.message.replace(/^[\w.]+: /, '');
  if (/^(is|must) /.test(text)) return `${label} ${text}.`.replace(/\.\.$/, '.');
  return text;
}

/** The message when no field on the form shows it: it goes in the form's alert instead. */
export function formMessage(error: FormError | undefined, fields: readonly string[]): string | undefined {
  if (!error) return undefined;
  return error.field && fields.includes(error.field) ? undefined : error.message.replace(/^[\w.]+: /, '');
}
