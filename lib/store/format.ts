/**
 * Money and dates as the storefront shows them. Browser-safe (no server imports): server pages and
 * client components format the same way. Amounts are integer cents, as everywhere in the store.
 */
const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string, fractionDigits: number): Intl.NumberFormat {
  const key = `${currency}:${fractionDigits}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      minimumFractionDigits: fractionDigits,
      maximumFractionDigits: 2,
    });
    formatters.set(key, f);
  }
  return f;
}

/** `$32`, `$32.50`: catalogue prices, where trailing zeros are noise. */
export const formatPrice = (cents: number, currency = 'USD') =>
  formatter(currency, cents % 100 === 0 ? 0 : 2).format(cents / 100);

/** `$32.00`: cart, checkout and order amounts, which line up in columns. */
export const formatMoney = (cents: number, currency = 'USD') => formatter(currency, 2).format(cents / 100);

/** `July 15, 2026`, in UTC so the server and the browser render the same text. */
export const formatDate = (epochMs: number) =>
  new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(epochMs));
