import fc from 'fast-check';
import { listProducts } from '../../lib/store/catalog.js';
import { CONSENT_DISCLOSURES } from '../../lib/store/consent-disclosures.js';

/**
 * Generators for the fuzz suite: hostile and near-valid bodies, headers and cookies. Most values are
 * close to what the forms send (so the handlers get past their first check), with the identifiers of
 * seeded victims, of the attacker and of nobody mixed in, and a share of pure junk.
 */

/** A customer with a password account and an order; the attacker knows her email and phone, nothing else. */
export const VICTIM = {
  email: 'vera.victim@example.com',
  phone: '+14155550199',
  password: 'vera-secret-pw-2026',
};
/** A customer who only ever checked out as a guest. */
export const GUEST_VICTIM = { email: 'grace.guest@example.org', phone: '+447911123456' };
/** The caller's own account, which the attacker may use freely. */
export const ATTACKER = {
  email: 'mallory@example.net',
  phone: '+16175550142',
  password: 'mallory-pw-123456',
};
/** A phone number nobody in the store has, for pairing with someone else's email. */
export const STRANGER_PHONE = '+13125550177';
export const COMPANY_ID = 'DEMO01';

/** Values that stand for secrets the test creates at run time (session tokens, a forged admin JWT). */
export type Ref = {
  ref: 'victim-session' | 'guest-victim-session' | 'attacker-session' | 'forged-admin-jwt';
};
const ref = (name: Ref['ref']): Ref => ({ ref: name });
export const isRef = (v: unknown): v is Ref => typeof v === 'object' && v !== null && 'ref' in v;

const PRINTABLE = /^[\x20-\x7e]*$/;

/** Junk strings: empty, control characters, lone surrogates, SQL and HTML, very long. */
export const junk: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\u0000',
      '\ud800',
      '__proto__',
      'constructor',
      "'; DROP TABLE klaviyo_outbox; --",
      '<script>alert(1)</script>',
      '../../etc/passwd',
      'NaN',
      '-1',
      '1e309',
      'null',
      'x'.repeat(300),
    ),
  },
  { weight: 1, arbitrary: fc.string({ minLength: 1000, maxLength: 20_000 }) },
);

/** Header-safe junk (a Headers object refuses the rest, as Node's HTTP parser does). */
export const headerJunk = fc.oneof(
  fc.string({ maxLength: 60 }).filter((s) => PRINTABLE.test(s)),
  fc.constantFrom('', 'null', 'undefined', '*', '0', '-1', '1'.repeat(30)),
);

const spellings = (email: string) =>
  fc.constantFrom(email, email.toUpperCase(), `  ${email}  `, email.replace('@', '+fuzz@'));

/** Emails: a victim's (spelt several ways), the attacker's, any well-formed address, junk. */
export const emailArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(VICTIM.email, GUEST_VICTIM.email).chain(spellings) },
  { weight: 2, arbitrary: fc.constant(ATTACKER.email) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z][a-z0-9]{0,10}@[a-z]{1,10}\.(com|org|net)$/) },
  { weight: 1, arbitrary: fc.emailAddress() },
  { weight: 1, arbitrary: junk },
);

const phoneSpellings = (e164: string) => {
  if (!e164.startsWith('+1')) return fc.constantFrom(e164, ` ${e164} `, e164.replace(/^\+(\d\d)/, '+$1 '));
  const national = e164.slice(2);
  const [a, b, c] = [national.slice(0, 3), national.slice(3, 6), national.slice(6)];
  return fc.constantFrom(e164, `(${a}) ${b}-${c}`, `${a}.${b}.${c}`, `+1 ${a} ${b} ${c}`, ` ${e164} `);
};

/** Phones: a victim's in several formats, the attacker's, a stranger's, any digits, junk. */
export const phoneArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(VICTIM.phone, GUEST_VICTIM.phone, STRANGER_PHONE).chain(phoneSpellings),
  },
  { weight: 2, arbitrary: fc.constant(ATTACKER.phone).chain(phoneSpellings) },
  { weight: 1, arbitrary: fc.stringMatching(/^\+?[0-9 ().-]{0,20}$/) },
  { weight: 1, arbitrary: junk },
);

export const nameArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('Ada', 'Lovelace', 'Zoë', 'O’Brien', '李') },
  { weight: 1, arbitrary: junk },
);

/** Any value a server action may be handed by a client: JSON, odd objects, numbers, strings. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 1,
    arbitrary: fc.anything({
      maxDepth: 2,
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withTypedArray: true,
      withSparseArray: true,
    }),
  },
  { weight: 1, arbitrary: junk },
);

const VARIANTS = listProducts().flatMap((p) => p.variants.map((v) => v.id));
export const SOLD_OUT_VARIANTS = listProducts().flatMap((p) =>
  p.variants.filter((v) => v.initialStock === 0).map((v) => v.id),
);
export const variantArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...VARIANTS) },
  { weight: 2, arbitrary: fc.constantFrom(...SOLD_OUT_VARIANTS) },
  { weight: 1, arbitrary: junk },
);

/**
 * An object with some of `fields` (each valid-ish or junk), sometimes an extra key a handler must
 * refuse or ignore (an identifier, a price, a prototype key).
 */
export function shaped(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const extraKey = fc.constantFrom(
    'email',
    'phone_number',
    '_kx',
    'external_id',
    'priceCents',
    'totalCents',
    '__proto__',
    'constructor',
    '$ACTION_ID_x',
  );
  const mutated = Object.fromEntries(
    Object.entries(fields).map(([k, a]) => [
      k,
      fc.oneof({ weight: 3, arbitrary: a }, { weight: 1, arbitrary: anyValue }),
    ]),
  );
  // Three objects in four carry (nearly) every field as the form would (each field still valid or
  // hostile by its own generator), so the handlers get past their schema; the rest are partial or
  // wrong in type.
  const OMIT = Symbol('omit');
  const whole = fc
    .record(
      Object.fromEntries(
        Object.entries(fields).map(([k, a]) => [
          k,
          fc.oneof({ weight: 7, arbitrary: a }, { weight: 1, arbitrary: fc.constant(OMIT) }),
        ]),
      ),
    )
    .map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== OMIT)));
  const broken = fc
    .tuple(
      fc.record(mutated, { requiredKeys: [] }),
      fc.oneof(
        { weight: 3, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.tuple(extraKey, anyValue) },
      ),
    )
    .map(([partial, extra]) => {
      const out: Record<string, unknown> = { ...partial };
      if (extra) Object.defineProperty(out, extra[0], { value: extra[1], enumerable: true, writable: true });
      return out;
    });
  return fc.oneof({ weight: 3, arbitrary: whole }, { weight: 1, arbitrary: broken });
}

/** Flattens an object into a form as the browser posts it: dotted names, string values. */
export function toFormData(fields: Record<string, unknown>, prefix = '', form = new FormData()): FormData {
  for (const [k, v] of Object.entries(fields)) {
    const name = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      toFormData(v as Record<string, unknown>, name, form);
    else form.append(name, typeof v === 'string' ? v : (jsonText(v) ?? ''));
  }
  return form;
}

/** A server action's argument: the object, the same as a posted form, or anything at all. */
export const actionInput = (fields: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: fields },
    { weight: 3, arbitrary: fields.map((f) => toFormData(f)) },
    { weight: 1, arbitrary: anyValue },
  );

// ---- cookies ---------------------------------------------------------------------------------------

/** The `__kla_id` cookie klaviyo.js writes: base64 JSON with `$exchange_id` (a made-up one, here). */
export const klaviyoCookie = (exchangeId: unknown) =>
  encodeURIComponent(
    Buffer.from(jsonText({ cid: 'Y2lk', $exchange_id: exchangeId }) ?? '', 'utf8').toString('base64'),
  );

/** JSON text of any generated value, as a client could send it (a BigInt goes as its digits). */
export function jsonText(value: unknown): string | undefined {
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return undefined;
  }
}

const exchangeIdArb = fc.oneof(
  fc.constantFrom(`01VICTIMKX.${COMPANY_ID}`, `attacker.${COMPANY_ID}`, `x.${COMPANY_ID}`, 'x.OTHER1'),
  fc.string({ maxLength: 30 }).map((s) => `${s}.${COMPANY_ID}`),
  fc.string({ unit: 'binary', maxLength: 10 }).map((s) => `${s}.${COMPANY_ID}`),
  anyValue,
);

const sessionRef = fc.constantFrom(
  ref('victim-session'),
  ref('guest-victim-session'),
  ref('attacker-session'),
);
const uuidish = fc.oneof(fc.uuid(), fc.stringMatching(/^[0-9a-f-]{36}$/));

export type CookieValue = string | Ref;
export const COOKIE_NAMES = {
  klaviyo: '__kla_id',
  shopper: 'nw_shopper',
  orders: 'nw_orders',
  cart: 'nw_cart',
  tracking: 'nw_tracking',
  nextAuth: 'next-auth.session-token',
  nextAuthSecure: '__Secure-next-auth.session-token',
} as const;

/** One cookie: a known name with a forged, borrowed or junk value, or a junk name. */
const cookieArb: fc.Arbitrary<[string, CookieValue]> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constant(COOKIE_NAMES.klaviyo), exchangeIdArb.map(klaviyoCookie)) },
  { weight: 1, arbitrary: fc.tuple(fc.constant(COOKIE_NAMES.klaviyo), headerJunk) },
  {
    weight: 4,
    arbitrary: fc.tuple(
      fc.constantFrom(COOKIE_NAMES.shopper, COOKIE_NAMES.shopper, COOKIE_NAMES.orders),
      fc.oneof(sessionRef, fc.base64String({ minLength: 43, maxLength: 44 }), headerJunk),
    ),
  },
  { weight: 2, arbitrary: fc.tuple(fc.constant(COOKIE_NAMES.cart), fc.oneof(uuidish, headerJunk)) },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constant(COOKIE_NAMES.tracking),
      fc.oneof(fc.constantFrom('granted', 'denied'), headerJunk),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(
      fc.constantFrom(COOKIE_NAMES.nextAuth, COOKIE_NAMES.nextAuthSecure),
      fc.oneof(fc.constant<CookieValue>(ref('forged-admin-jwt')), headerJunk),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}$/), headerJunk),
  },
);

export const cookiesArb = fc.array(cookieArb, { maxLength: 5 });

// ---- HTTP headers for the relay routes --------------------------------------------------------------

const ip = fc.oneof(fc.ipV4(), fc.ipV6(), headerJunk);
/** A header that is there one time in `freq`. */
const sometimes = (arb: fc.Arbitrary<string>, freq: number) =>
  fc.oneof({ weight: freq - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
export const relayHeadersArb: fc.Arbitrary<Record<string, string>> = fc
  .record({
    origin: fc.oneof(
      { weight: 12, arbitrary: fc.constant('https://shop.test') },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'https://evil.test',
          'null',
          'http://shop.test',
          'https://shop.test.evil.test',
        ),
      },
      { weight: 1, arbitrary: headerJunk },
    ),
    'x-forwarded-for': sometimes(
      fc.oneof(
        ip,
        fc.array(ip, { maxLength: 4 }).map((a) => a.join(', ')),
      ),
      2,
    ),
    'x-real-ip': sometimes(ip, 4),
    'x-forwarded-host': sometimes(fc.oneof(fc.constant('shop.test'), headerJunk), 10),
    'content-type': sometimes(fc.oneof(fc.constantFrom('text/plain', 'multipart/form-data'), headerJunk), 4),
    'content-length': sometimes(fc.oneof(fc.nat().map(String), headerJunk), 10),
    authorization: sometimes(
      fc.oneof(fc.constantFrom('Bearer ', 'Bearer x', 'Basic YWRtaW46YWRtaW4='), headerJunk),
      6,
    ),
  })
  .map((h) => {
    const out: Record<string, string> = { 'content-type': 'application/json' };
    for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = v;
    return out;
  });

/** A relay body: the shaped JSON, any JSON, junk text, something over the size limit, or bad UTF-8. */
export const relayBody = (fields: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<string | Uint8Array> =>
  fc.oneof(
    { weight: 16, arbitrary: fields.map((f) => jsonText(f) ?? '{}') },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: junk },
    { weight: 1, arbitrary: fc.constantFrom(`{"pad":"${'x'.repeat(17 * 1024)}"}`, '{"a":'.repeat(5000)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  );

// ---- the forms ---------------------------------------------------------------------------------------

export const CONSENT_VERSIONS = {
  email: CONSENT_DISCLOSURES.email.version,
  sms: CONSENT_DISCLOSURES.sms.version,
};

const versionArb = (channel: 'email' | 'sms') =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant(CONSENT_VERSIONS[channel]) },
    { weight: 1, arbitrary: fc.constantFrom('', 'v0') },
  );

export const consentFieldsArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ email: versionArb('email'), sms: versionArb('sms') }, { requiredKeys: [] }),
  },
  { weight: 1, arbitrary: shaped({ email: versionArb('email'), sms: versionArb('sms') }) },
);

export const addressArb = shaped({
  firstName: nameArb,
  lastName: nameArb,
  address1: fc.constantFrom('1 Main St', '221B Baker Street'),
  address2: fc.constantFrom('', 'Apt 2'),
  city: fc.constantFrom('Springfield', 'London'),
  region: fc.constantFrom('CA', ''),
  zip: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('94107', 'NW1 6XE') },
    { weight: 1, arbitrary: junk },
  ),
  country: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('US', 'gb') }, { weight: 1, arbitrary: junk }),
});

export const checkoutFieldsArb = (cartId: fc.Arbitrary<unknown>) =>
  shaped({
    cartId,
    email: emailArb,
    phone: phoneArb,
    firstName: nameArb,
    lastName: nameArb,
    shippingAddress: addressArb,
    billingAddress: addressArb,
    marketing: consentFieldsArb,
  });

export const passwordArb = fc.oneof(
  // Not the victim's: a caller who knows her password is her, as far as any server can tell.
  fc.constantFrom(ATTACKER.password, 'password123', 'short'),
  fc.string({ minLength: 10, maxLength: 30 }),
  junk,
);

export const orderIdArb = (known: () => string[]) =>
  fc
    .oneof(
      { weight: 4, arbitrary: fc.nat(99).map((i) => ({ order: i })) },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 0, max: 999_999 }).map((n) => `NW-${String(n).padStart(6, '0')}`),
      },
      { weight: 1, arbitrary: junk },
    )
    .map((v) =>
      typeof v === 'object' ? (known()[v.order % Math.max(known().length, 1)] ?? 'NW-000001') : v,
    );

export const lineQuantitiesArb = fc.array(
  shaped({
    lineId: fc.oneof(fc.uuid(), fc.nat(50).map(String), junk),
    quantity: fc.oneof(fc.integer({ min: -2, max: 20 }), fc.nat().map(String)),
  }),
  { maxLength: 4 },
);
