// A field named `__proto__.x` must never reach Object.prototype.
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A submitted form as a plain object for zod: `shippingAddress.city` becomes `{ shippingAddress: {
 * city } }`. Next's own `$ACTION_*` fields are left out; files are not accepted anywhere in the store.
 * Objects (a client component calling the action directly) pass through unchanged.
 */
export function formInput(input: unknown): unknown {
  if (!(input instanceof FormData)) return input;
  const out: Record<string, unknown> = {};
  for (const [name, value] of input.entries()) {
    const path = name.split('.');
    if (name.startsWith('$ACTION') || typeof value !== 'string' || path.some((k) => UNSAFE_KEYS.has(k)))
      continue;
    let at = out;
    for (const key of path.slice(0, -1)) {
      if (typeof at[key] !== 'object' || at[key] === null) at[key] = {};
      at = at[key] as Record<string, unknown>;
    }
    at[path[path.length - 1] as string] = value;
  }
  return out;
}
