/** Minor units (cents) to the major-unit number Klaviyo expects in `value` and prices. */
export function toMajor(cents: number): number {
  return Math.round(cents) / 100;
}
