import 'server-only';
import { randomUUID } from 'node:crypto';
import sql from 'sql-template-tag';
import { z } from 'zod';
import { hashPassword, verifyPassword } from '../auth/password';
import { type SignInThrottle, signInThrottle } from '../auth/throttle';
import { consentChange } from '../klaviyo-next/events/consent';
import { fieldErrorOf } from '../klaviyo-next/http/field-error';
import { RateLimiter } from '../klaviyo-next/http/rate-limit';
import { consentMessage, type OutboxMessage, profileMessage } from '../klaviyo-next/outbox/types';
import type { SqlExecutor } from '../klaviyo-next/sql/types';
import type { AccountLinks } from './account-links';
import { CONSENT_DISCLOSURES } from './consent-disclosures';
import { recordCheckoutConsent } from './customer-consent-change';
import type { StoreDeps } from './deps';
import { consumeProof, issueProof, LINK_TTL_MS, type ProofRefusal } from './email-proof';
import { formInput } from './form-input';
import type { Mail } from './mailer';
import { type ActionResult, asResult, StoreError } from './result';
import { retryOnConflict } from './retry-conflict';
import { orderForShopper } from './shopper-orders';
import { endCustomerSessions, shopperCustomer, startShopperSession } from './shopper-session';

/**
 * Shopper accounts: email and password (scrypt, lib/auth/password.ts), on top of the customer rows
 * checkout keeps. A checkout proves nothing about an email, so an account (and with it every order
 * placed under its email) needs proof: sign-up takes the details, mails a signed, expiring,
 * single-use link (lib/store/email-proof.ts), and following it creates the account and signs in.
 * This holds for every email, not only those with orders: otherwise anyone could pre-register a
 * stranger's address and read the orders she places later. Sign-in stays email and password.
 */

export const MIN_PASSWORD_LENGTH = 10;

const email = z.string().trim().toLowerCase().pipe(z.email('is not an email address').max(254));
const name = z.string().trim().min(1, 'is required').max(80);
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const password = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(200, 'must be at most 200 characters');
// The newsletter box sends the version of the text it showed, as at checkout.
const marketing = z
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
  .default({});

const signUpInput = z.strictObject({ email, password, firstName: name, lastName: name, marketing });

/** "Save this order to an account": the email and names come from the order, never from the form. */
const orderAccountInput = z.strictObject({
  orderId: z.string().regex(/^NW-\d{1,12}$/, 'is not an order number'),
  password,
  marketing,
});

/** What a sign-up link carries to the moment it is followed (kept in store_email_proofs). */
const signUpPayload = z.object({
  firstName: z.string(),
  lastName: z.string(),
  passwordHash: z.string().startsWith('scrypt:'),
  marketing: z.object({ email: z.string().optional() }),
});
type SignUpPayload = z.output<typeof signUpPayload>;

const signInInput = z.strictObject({
  email,
  password: z.string().min(1, 'is required').max(200),
});

export interface Shopper {
  customerId: string;
  email: string;
  firstName?: string;
  lastName?: string;
  /** Always true: only accounts have sessions (a guest checkout gets order access, not a session). */
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
  password_hash: string | null;
  email_verified_at: number | null;
};

const customerByEmail = async (q: SqlExecutor, address: string) =>
  (
    await q.query<CustomerRow>(sql`SELECT c.id, c.email, c.first_name, c.last_name, k.password_hash, k.email_verified_at
       FROM store_customers c LEFT JOIN store_customer_credentials k ON k.customer_id = c.id
       WHERE c.email = ${address}`)
  )[0];

// Verifying against a real hash when the email is unknown keeps the answer time from telling which
// emails have accounts. Computed once, lazily.
let decoyHash: Promise<string> | undefined;
const decoy = () => {
  decoyHash ??= hashPassword(randomUUID());
  return decoyHash;
};

/** What a sign-up request answers, whoever owns the email: it never tells whether an account exists. */
export interface LinkSent {
  sentTo: string;
}

const linkMinutes = LINK_TTL_MS / 60_000;
const confirmUrl = (storeUrl: string, token: string) =>
  `${storeUrl}/account/confirm?token=${encodeURIComponent(token)}`;

function signUpMail(to: string, link: string): Mail {
  return {
    to,
    subject: 'Confirm your email to create your Northwind account',
    text: `Follow this link to confirm your email and finish creating your account:\n\n${link}\n\nIt works once, for ${linkMinutes} minutes. If you did not ask for an account, ignore this email.`,
    link,
  };
}

function verifyMail(to: string, link: string): Mail {
  return {
    to,
    subject: 'Confirm your email to sign in to Northwind',
    text: `Your account was created before we confirmed emails. Follow this link to confirm yours and sign in:\n\n${link}\n\nIt works once, for ${linkMinutes} minutes.`,
    link,
  };
}

function alreadyRegisteredMail(to: string, storeUrl: string): Mail {
  return {
    to,
    subject: 'You already have a Northwind account',
    text: `Someone asked to create an account with this email, which already has one. If it was you, sign in at ${storeUrl}/account/sign-in. If not, you can ignore this email.`,
  };
}

function signUpMessages(
  customerId: string,
  address: string,
  details: SignUpPayload,
  deps: Pick<StoreDeps, 'newsletterListId'>,
  at: string,
): OutboxMessage[] {
  const profile = { email: address, first_name: details.firstName, last_name: details.lastName };
  const messages = [
    profileMessage(`account:${customerId}`, { profile, properties: { 'NW Account Created': at } }),
  ];
  if (details.marketing.email) {
    messages.push(
      consentMessage(
        consentChange({
          channel: 'email',
          status: 'SUBSCRIBED',
          profile: { email: address },
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

/** Hands a mail to the mailer; a refusal to show (and a log line) when it could not be sent. */
async function send(links: AccountLinks, mail: Mail, log: StoreDeps['log'] | undefined) {
  try {
    await links.mailer(mail);
    return undefined;
  } catch (error) {
    log?.('account.mail_failed', { error: error instanceof Error ? error.message : String(error) });
    return {
      ok: false as const,
      error: { message: 'We could not send the email just now. Please try again in a few minutes.' },
    };
  }
}

/**
 * Records a sign-up link for this email and mails it, or, when the email already has a proven
 * account, mails its owner a note instead. The answer is the same either way.
 */
async function mailSignUpLink(
  deps: StoreDeps,
  links: AccountLinks,
  address: string,
  details: SignUpPayload,
): Promise<ActionResult<LinkSent>> {
  // The proof's INSERT and the clean-up of old proofs lock rows: Postgres may pick this as the
  // victim of a deadlock with a concurrent sign-up, and a rerun is safe.
  const mail = await retryOnConflict(() =>
    deps.db.transaction(async (tx) => {
      const now = deps.now();
      const existing = await customerByEmail(tx, address);
      if (existing?.password_hash && existing.email_verified_at !== null)
        return alreadyRegisteredMail(address, deps.storeUrl);
      // An account made before emails were proven is replaced by whoever proves the email: an unproven
      // password may have been set by someone else.
      const token = await issueProof(tx, links.secret, {
        purpose: 'sign-up',
        email: address,
        payload: details,
        now,
      });
      return signUpMail(address, confirmUrl(deps.storeUrl, token));
    }),
  );
  return (await send(links, mail, deps.log)) ?? { ok: true, data: { sentTo: address } };
}

/**
 * Sign-up: checks the details, hashes the password and mails a link to the email. Nothing is
 * created until the link is followed (`confirmAccountLink`), so typing an email proves nothing.
 */
export async function signUp(
  deps: StoreDeps,
  input: unknown,
  links: AccountLinks = deps.links,
): Promise<ActionResult<LinkSent>> {
  const parsed = signUpInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const form = parsed.data;
  const passwordHash = await hashPassword(form.password);
  return mailSignUpLink(deps, links, form.email, {
    firstName: form.firstName,
    lastName: form.lastName,
    passwordHash,
    marketing: form.marketing,
  });
}

/**
 * "Save this order to an account", from the order's confirmation page: the browser that placed the
 * order chooses a password, and the link goes to the order's email (never one typed here). Following
 * it creates the account, which then lists every order of that email.
 */
export async function requestOrderAccount(
  deps: StoreDeps,
  input: unknown,
  viewer: { orderAccess?: string; customerId?: string },
  links: AccountLinks = deps.links,
): Promise<ActionResult<LinkSent>> {
  const parsed = orderAccountInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const form = parsed.data;
  const order = await orderForShopper(deps, form.orderId, viewer.customerId, viewer.orderAccess);
  if (!order) return { ok: false, error: { field: 'orderId', message: 'orderId: no such order' } };
  const passwordHash = await hashPassword(form.password);
  return mailSignUpLink(deps, links, order.customer.email, {
    firstName: order.customer.firstName,
    lastName: order.customer.lastName,
    passwordHash,
    marketing: form.marketing,
  });
}

const REFUSED: Record<ProofRefusal, string> = {
  invalid: 'This link is not valid. Ask for a new one.',
  expired: `This link has expired (links work for ${linkMinutes} minutes). Ask for a new one.`,
  used: 'This link has already been used. Sign in, or ask for a new link.',
};

/**
 * Follows a mailed link: uses it up and, in the same transaction, creates (or confirms) the account
 * and starts its session. Of two browsers following one link, exactly one gets the session.
 */
export async function confirmAccountLink(
  deps: StoreDeps,
  token: unknown,
  links: AccountLinks = deps.links,
): Promise<ActionResult<SignedIn>> {
  const result = await asResult(() =>
    deps.db.transaction(async (tx) => {
      const now = deps.now();
      const proof = await consumeProof(tx, links.secret, token, now);
      if (!proof.ok) throw new StoreError(REFUSED[proof.reason], 'token');
      const existing = await customerByEmail(tx, proof.email);
      if (proof.purpose === 'verify') {
        if (!existing?.password_hash) throw new StoreError(REFUSED.invalid, 'token');
        await tx.query(
          sql`UPDATE store_customer_credentials SET email_verified_at = ${now}, updated_at = ${now} WHERE customer_id = ${existing.id}`,
        );
        const sessionToken = await startShopperSession(tx, existing.id, now);
        return { sessionToken, ...(existing.first_name ? { firstName: existing.first_name } : {}) };
      }
      const details = signUpPayload.parse(proof.payload);
      if (existing?.password_hash && existing.email_verified_at !== null)
        throw new StoreError('An account with this email already exists. Sign in instead.', 'token');
      const [customer] = await tx.query<{
        id: string;
      }>(sql`INSERT INTO store_customers (id, email, first_name, last_name, orders_count, created_at, updated_at)
         VALUES (${randomUUID()}, ${proof.email}, ${details.firstName}, ${details.lastName}, 0, ${now}, ${now})
         ON CONFLICT (email) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
           updated_at = excluded.updated_at
         RETURNING id`);
      if (!customer) throw new Error('the customer upsert returned no row');
      // One statement decides a race between two different sign-up links for one email: the
      // credential row is created once, or replaces a password nobody proved.
      const [credential] = await tx.query<{
        customer_id: string;
      }>(sql`INSERT INTO store_customer_credentials (customer_id, password_hash, created_at, updated_at, email_verified_at)
         VALUES (${customer.id}, ${details.passwordHash}, ${now}, ${now}, ${now})
         ON CONFLICT (customer_id) DO UPDATE SET password_hash = excluded.password_hash,
           updated_at = excluded.updated_at, email_verified_at = excluded.email_verified_at
         WHERE store_customer_credentials.email_verified_at IS NULL
         RETURNING customer_id`);
      if (!credential)
        throw new StoreError('An account with this email already exists. Sign in instead.', 'token');
      // Sessions of a replaced, unproven password end with it.
      if (existing?.password_hash) await endCustomerSessions(tx, customer.id);
      const at = new Date(now).toISOString();
      await deps.outbox.enqueue(tx, signUpMessages(customer.id, proof.email, details, deps, at), now);
      // The sign-up's newsletter box is an explicit consent: recorded on her as it is sent.
      if (details.marketing.email)
        await recordCheckoutConsent(tx, customer.id, { email: proof.email }, now, 'sign-up');
      const sessionToken = await startShopperSession(tx, customer.id, now);
      return { sessionToken, firstName: details.firstName };
    }),
  );
  if (result.ok) deps.scheduleDelivery();
  return result;
}

const WRONG = { ok: false as const, error: { message: 'That email and password do not match an account.' } };

/**
 * Signs in with email and password; one answer for an unknown email and a wrong password. An
 * account from before emails were proven gets a confirmation link instead of a session.
 */
export async function signIn(
  deps: Pick<StoreDeps, 'db' | 'now' | 'storeUrl' | 'links'> & Partial<Pick<StoreDeps, 'log'>>,
  input: unknown,
  options: {
    /** Defaults to the app's, on its database (lib/auth/throttle.ts): counted per account and address. */
    throttle?: SignInThrottle;
    /** The client address the trusted proxies report, when known (lib/klaviyo-next/http/client-address.ts). */
    clientAddress?: string;
    links?: AccountLinks;
  } = {},
): Promise<ActionResult<SignedIn>> {
  const parsed = signInInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const { email: address, password } = parsed.data;
  const throttle = options.throttle ?? signInThrottle(new RateLimiter(deps.db, deps.now));
  // Shopper accounts apart from the merchant's, whose throttle keys on the bare email.
  const account = `shopper:${address}`;
  // Counted before scrypt runs, so a burst of guesses cannot all pass before any has failed.
  const decision = await throttle.attempt(account, options.clientAddress);
  if (!decision.ok) {
    const minutes = Math.ceil(decision.retryAfterSeconds / 60);
    return {
      ok: false,
      error: {
        message: `Too many attempts. Wait ${minutes} minute${minutes === 1 ? '' : 's'}, then try again.`,
      },
    };
  }
  const customer = await customerByEmail(deps.db, address);
  const matches = await verifyPassword(password, customer?.password_hash ?? (await decoy()));
  if (!customer?.password_hash || !matches) return WRONG;
  await throttle.succeed(account, options.clientAddress);
  if (customer.email_verified_at === null) {
    const links = options.links ?? deps.links;
    const token = await deps.db.transaction((tx) =>
      issueProof(tx, links.secret, { purpose: 'verify', email: address, payload: {}, now: deps.now() }),
    );
    const unsent = await send(links, verifyMail(address, confirmUrl(deps.storeUrl, token)), deps.log);
    if (unsent) return unsent;
    return {
      ok: false,
      error: {
        message: `Please confirm your email first: we sent a link to ${address}. Follow it to sign in.`,
      },
    };
  }
  const sessionToken = await startShopperSession(deps.db, customer.id, deps.now());
  return {
    ok: true,
    data: { sessionToken, ...(customer.first_name ? { firstName: customer.first_name } : {}) },
  };
}

/**
 * The signed-in shopper a session cookie names, or nothing for a missing, unknown or expired one.
 * Only accounts with a proven email have sessions; a guest checkout signs no one in.
 */
export async function currentShopper(
  deps: Pick<StoreDeps, 'db' | 'now'>,
  token: string | undefined,
): Promise<Shopper | undefined> {
  if (!token) return undefined;
  const row = await shopperCustomer(deps.db, token, deps.now());
  if (!row) return undefined;
  return {
    customerId: row.id,
    email: row.email,
    ...(row.first_name ? { firstName: row.first_name } : {}),
    ...(row.last_name ? { lastName: row.last_name } : {}),
    hasAccount: true,
  };
}
