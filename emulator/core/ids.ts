import { randomBytes } from 'node:crypto';

// Crockford base32, as in ULIDs; Klaviyo's short ids (lists, metrics) are mixed-case alphanumerics.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function pick(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/** A 26-character ULID, the form of profile and bulk-job ids (e.g. 01GDDKASAP8TKDDA2GRZDSVP4H). */
export function ulid(nowMs: number): string {
  let time = '';
  let t = nowMs;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time + pick(CROCKFORD, 16);
}

/** A six-character id, the form of list, segment, metric and account ids (e.g. Y6nRLr). */
export const shortId = (): string => pick(ALNUM, 6);

/** An eleven-character id, the form of event ids (e.g. 73WCCK7JKtE). */
export const eventId = (): string => pick(ALNUM, 11);

/** Klaviyo's ISO form with an explicit offset, e.g. 2022-11-08T00:00:00+00:00. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}
