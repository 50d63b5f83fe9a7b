import 'server-only';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { hashPassword, verifyPassword } from '../auth/password';
import { createThrottle } from '../auth/throttle';
import type { Queryable } from '../db/types';
import { consentMessage, type OutboxMessage, profileMessage } from '../outbox/types';
import { fieldErrorOf } from '../relay/field-error';
import { consentChange } from '../tracking/consent';
import { CONSENT_DISCLOSURES } from './consent-disclosures';
import type { StoreDeps } from './deps';
import { formInput } from './form-input';
import { type ActionResult, asResult, StoreError } from './result';
import { shopperCustomerId, startShopperSession } from './shopper-session';

/**
 * Shopper accounts: email and password (scrypt, lib/auth/password.ts), on top of the customer rows
 * checkout already keeps. Passwords rather than emailed sign-in links because the demo has no mail
 * server, and a link shown on screen would prove nothing. Signing up or in starts the same shopper
 * session checkout does (`nw_shopper`), so the track relay names the shopper either way.
 */

export const MIN_PASSWORD_LENGTH = 10;

const email = z.string().trim().toLowerCase().pipe(z.email('is not an email address').max(254));
const name = z.string().trim().min(1, 'is required').max(80);
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const signUpInput = z.strictObject({
  email,
  password: z
    .string()
    .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
    .max(200, 'must be at most 200 characters'),
  firstName: name,
  lastName: name,
  // The newsletter box sends the version of the text it showed, as at checkout.
  marketing: z
    .strictObject({
      email: z.preprocess(
        blankToUndefined,
        z
          .literal(CONSENT_DISCLOSURES.email.version, {
            error: 'The consent text changed since the page loaded; please review it and tick the box again.',
          })
          .optional(),
      ),
    })
    .default({}),
});

const signInInput = z.strictObject({
  email,
  password: z.string().min(1, 'is required').max(200),
});

export interface Shopper {
  customerId: string;
  email: string;
  firstName?: string;
  lastName?: string;
  /** False for a guest who checked out (a session without a password). */
  hasAccount: boolean;
}

export interface SignedIn {
  /** The session token for the httpOnly cookie; never shown to the browser as data. */
  sessionToken: string;
  firstName?: string;
}

type CustomerRow = {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  orders_count: number;
  password_hash: string | null;
};

const customerByEmail = async (q: Queryable, address: string) =>
  (
    await q.query<CustomerRow>(
      `SELECT c.id, c.email, c.first_name, c.last_name, c.orders_count, k.password_hash
       FROM store_customers c LEFT JOIN store_customer_credentials k ON k.customer_id = c.id
       WHERE c.email = ?`,
      [address],
    )
  )[0];

/** Failed sign-ins per email, per process: with scrypt's cost, a brake on password guessing. */
const signInThrottle = createThrottle({ limit: 8, windowMs: 15 * 60_000 });

// Verifying against a real hash when the email is unknown keeps the answer time from telling which
// emails have accounts. Computed once, lazily.
let decoyHash: Promise<string> | undefined;
const decoy = () => {
  decoyHash ??= hashPassword(randomUUID());
  return decoyHash;
};

function signUpMessages(
  customerId: string,
  form: z.output<typeof signUpInput>,
  deps: Pick<StoreDeps, 'newsletterListId'>,
  at: string,
): OutboxMessage[] {
  const profile = { email: form.email, first_name: form.firstName, last_name: form.lastName };
  const messages = [
    profileMessage(`account:${customerId}`, { profile, properties: { 'NW Account Created': at } }),
  ];
  if (form.marketing.email) {
    messages.push(
      consentMessage(
        consentChange({
          channel: 'email',
          status: 'SUBSCRIBED',
          profile: { email: form.email },
          consentedAt: at,
          source: 'Account page',
          disclosure: CONSENT_DISCLOSURES.email,
          ...(deps.newsletterListId ? { listId: deps.newsletterListId } : {}),
        }),
      ),
    );
  }
  return messages;
}

/**
 * Creates an account (and signs it in). A customer who has only checked out as a guest may add a
 * password, but only from a browser already holding their session (the one they ordered on):
 * otherwise anyone could claim an email and read its order history.
 */
export async function signUp(
  deps: StoreDeps,
  input: unknown,
  context: { sessionToken?: string } = {},
): Promise<ActionResult<SignedIn>> {
  const parsed = signUpInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const form = parsed.data;
  const passwordHash = await hashPassword(form.password);
  const result = await asResult(() =>
    deps.db.transaction(async (tx) => {
      const now = deps.now();
      const existing = await customerByEmail(tx, form.email);
      if (existing?.password_hash) {
        throw new StoreError('An account with this email already exists. Sign in instead.', 'email');
      }
      if (existing && existing.orders_count > 0) {
        const session = context.sessionToken
          ? await shopperCustomerId(tx, context.sessionToken, now)
          : undefined;
        if (session !== existing.id) {
          throw new StoreError(
            'This email has orders from a guest checkout. To keep them private, create the account from the browser you ordered with (the order confirmation page has a link).',
            'email',
          );
        }
      }
      const customerId = existing?.id ?? randomUUID();
      await tx.query(
        `INSERT INTO store_customers (id, email, first_name, last_name, orders_count, created_at, updated_at)
         VALUES (?, ?, ?, ?, 0, ?, ?)
         ON CONFLICT (email) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
           updated_at = excluded.updated_at`,
        [customerId, form.email, form.firstName, form.lastName, now, now],
      );
      await tx.query(
        'INSERT INTO store_customer_credentials (customer_id, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?)',
        [customerId, passwordHash, now, now],
      );
      const at = new Date(now).toISOString();
      await deps.outbox.enqueue(tx, signUpMessages(customerId, form, deps, at), now);
      const sessionToken = await startShopperSession(tx, customerId, now);
      return { sessionToken, firstName: form.firstName };
    }),
  );
  if (result.ok) deps.scheduleDelivery();
  return result;
}

const WRONG = { ok: false as const, error: { message: 'That email and password do not match an account.' } };

/** Signs in with email and password; one answer for an unknown email and a wrong password. */
export async function signIn(
  deps: Pick<StoreDeps, 'db' | 'now'>,
  input: unknown,
  throttle = signInThrottle,
): Promise<ActionResult<SignedIn>> {
  const parsed = signInInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const { email: address, password } = parsed.data;
  if (throttle.blocked(address, deps.now())) {
    return {
      ok: false,
      error: { message: 'Too many attempts for this email. Wait 15 minutes, then try again.' },
    };
  }
  const customer = await customerByEmail(deps.db, address);
  const matches = await verifyPassword(password, customer?.password_hash ?? (await decoy()));
  if (!customer?.password_hash || !matches) {
    throttle.fail(address, deps.now());
    return WRONG;
  }
  throttle.succeed(address);
  const sessionToken = await startShopperSession(deps.db, customer.id, deps.now());
  return {
    ok: true,
    data: { sessionToken, ...(customer.first_name ? { firstName: customer.first_name } : {}) },
  };
}

/** The shopper a session cookie names, or nothing for a missing, unknown or expired one. */
export async function currentShopper(
  deps: Pick<StoreDeps, 'db' | 'now'>,
  token: string | undefined,
): Promise<Shopper | undefined> {
  if (!token) return undefined;
  const customerId = await shopperCustomerId(deps.db, token, deps.now());
  if (!customerId) return undefined;
  const [row] = await deps.db.query<Omit<CustomerRow, 'orders_count'>>(
    `SELECT c.id, c.email, c.first_name, c.last_name, k.password_hash
     FROM store_customers c LEFT JOIN store_customer_credentials k ON k.customer_id = c.id WHERE c.id = ?`,
    [customerId],
  );
  if (!row) return undefined;
  return {
    customerId: row.id,
    email: row.email,
    ...(row.first_name ? { firstName: row.first_name } : {}),
    ...(row.last_name ? { lastName: row.last_name } : {}),
    hasAccount: row.password_hash !== null,
  };
}
