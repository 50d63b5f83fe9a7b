import { z } from 'zod';

/**
 * The one place that reads `process.env`. Everything else imports `env()`, on the server; the browser
 * gets what it needs (the public API key) as props from server components. In development every variable has a default that points at the
 * bundled emulator; in production nothing unsafe is defaulted and start-up stops with the name of the
 * variable to set.
 */

const LIVE_API_URL = 'https://a.klaviyo.com';
const EMULATOR_API_URL = 'http://127.0.0.1:8787';
const EMULATOR_PRIVATE_KEY = 'pk_emulator_demo_private_key';
const EMULATOR_COMPANY_ID = 'DEMO01';
const DEV_ADMIN_EMAIL = 'admin@example.com';
/** `scrypt:N:r:p:salt:hash` (base64url), as `npm run admin:hash-password` prints it; no `$`, which .env files expand. */
export const PASSWORD_HASH_PATTERN = /^scrypt:\d+:\d+:\d+:[A-Za-z0-9_-]{16,}:[A-Za-z0-9_-]{43,}$/;

/** Klaviyo itself (a.klaviyo.com or another of its hosts), as opposed to the emulator or a stand-in. */
function isKlaviyoHost(url: string): boolean {
  try {
    return /(^|\.)klaviyo\.com$/i.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

// On globalThis: Next.js may load this module once per route bundle, and every bundle of one process
// must sign and accept sessions with the same secret.
const DEV_SECRET = Symbol.for('klaviyo-next.dev-auth-secret');

/**
 * Outside production, with no NEXTAUTH_SECRET, sessions are signed with a secret drawn at random once
 * per process (never stored, never in the source): a fixed default would let anyone who read the
 * source forge a merchant session on any deployment that forgot to set one. Sessions end when the
 * process does, like the generated admin password (lib/auth/dev-password.ts).
 */
function developmentAuthSecret(): string {
  const holder = globalThis as { [DEV_SECRET]?: string };
  holder[DEV_SECRET] ??= Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(32))).toString(
    'base64url',
  );
  return holder[DEV_SECRET];
}

const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .optional();

const companyIdField = z
  .string()
  .regex(/^[A-Za-z0-9]{6}$/, 'must be the six-character public API key (site id)')
  .optional();

/**
 * Two different site ids is a misconfiguration, not a preference: klaviyo.js would identify shoppers
 * into one account while the server writes their orders to another. Equal values are fine (a host that
 * set both while renaming).
 */
function refineCompanyId(
  raw: { NODE_ENV: string; KLAVIYO_PUBLIC_KEY?: string; NEXT_PUBLIC_KLAVIYO_COMPANY_ID?: string },
  ctx: z.RefinementCtx,
): void {
  const { KLAVIYO_PUBLIC_KEY: key, NEXT_PUBLIC_KLAVIYO_COMPANY_ID: legacy } = raw;
  if (key && legacy && key !== legacy) {
    ctx.addIssue({
      code: 'custom',
      path: ['KLAVIYO_PUBLIC_KEY'],
      message: `(${key}) and NEXT_PUBLIC_KLAVIYO_COMPANY_ID (${legacy}) are different public API keys; set one (KLAVIYO_PUBLIC_KEY), or both to the same key`,
    });
  }
  if (raw.NODE_ENV === 'production' && !key && !legacy) {
    ctx.addIssue({
      code: 'custom',
      path: ['KLAVIYO_PUBLIC_KEY'],
      message: 'is required in production (or its older name NEXT_PUBLIC_KLAVIYO_COMPANY_ID)',
    });
  }
}

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    KLAVIYO_API_URL: z.url({ protocol: /^https?$/ }).optional(),
    KLAVIYO_PRIVATE_KEY: z
      .string()
      .regex(/^pk_\w+$/, 'must be a Klaviyo private API key (it starts with pk_)')
      .optional(),
    // The six-character public API key (site id), under the name Klaviyo's guides use or this app's
    // older name; refineCompanyId refuses two different values.
    KLAVIYO_PUBLIC_KEY: companyIdField,
    NEXT_PUBLIC_KLAVIYO_COMPANY_ID: companyIdField,
    KLAVIYO_ALLOW_EMULATOR: bool,
    KLAVIYO_ALLOW_LIVE_OUTSIDE_PRODUCTION: bool,
    KLAVIYO_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120_000).default(10_000),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    OUTBOX_SQLITE_PATH: z.string().min(1).default('./data/outbox.db'),
    ALLOW_SQLITE_IN_PRODUCTION: bool,
    TRUSTED_PROXY_HOPS: z.coerce
      .number()
      .int()
      .min(0, 'must be 0 (no proxy) or the number of proxies in front of the app')
      .max(10, 'must be at most 10 (the number of proxies in front of the app)')
      .optional(),
    OUTBOX_DRAIN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    EMULATOR_PORT: z.coerce.number().int().min(1).max(65_535).default(8787),
    KLAVIYO_NEWSLETTER_LIST_ID: z
      .string()
      .regex(/^[A-Za-z0-9]{6}$/, 'must be a Klaviyo list id (six letters and digits, as in the list URL)')
      .optional(),
    STORE_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:3000'),
    STORE_LINK_SECRET: z
      .string()
      .min(32, 'must be at least 32 characters (openssl rand -base64 32)')
      .optional(),
    STORE_MAIL_FILE: z.string().min(1).optional(),
    NEXTAUTH_SECRET: z
      .string()
      .min(32, 'must be at least 32 characters (openssl rand -base64 32)')
      .optional(),
    NEXTAUTH_URL: z.url({ protocol: /^https?$/ }).optional(),
    ADMIN_EMAIL: z.email('must be an email address').optional(),
    ADMIN_PASSWORD_HASH: z
      .string()
      .regex(PASSWORD_HASH_PATTERN, 'must be the output of `npm run admin:hash-password` (scrypt:...)')
      .optional(),
    ADMIN_OAUTH_EMAILS: z
      .string()
      .transform((v) => v.split(',').map((e) => e.trim().toLowerCase()))
      .pipe(z.array(z.email('must be a comma-separated list of email addresses')))
      .optional(),
    GITHUB_ID: z.string().min(1).optional(),
    GITHUB_SECRET: z.string().min(1).optional(),
    GOOGLE_CLIENT_ID: z.string().min(1).optional(),
    GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
  })
  .superRefine((raw, ctx) => {
    if (raw.NODE_ENV !== 'production') {
      refineCompanyId(raw, ctx);
      // A live key outside production: a development or staging site would write to real profiles,
      // and send real messages, from an app with development defaults.
      if (
        raw.KLAVIYO_API_URL &&
        raw.KLAVIYO_PRIVATE_KEY &&
        isKlaviyoHost(raw.KLAVIYO_API_URL) &&
        !raw.KLAVIYO_ALLOW_LIVE_OUTSIDE_PRODUCTION
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['KLAVIYO_PRIVATE_KEY'],
          message: `is a live key for ${raw.KLAVIYO_API_URL} outside production (NODE_ENV=${raw.NODE_ENV}); set NODE_ENV=production, or KLAVIYO_ALLOW_LIVE_OUTSIDE_PRODUCTION=true to use a live account from development or staging`,
        });
      }
      return;
    }
    for (const key of ['KLAVIYO_API_URL', 'KLAVIYO_PRIVATE_KEY'] as const) {
      if (!raw[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required in production' });
    }
    refineCompanyId(raw, ctx);
    // A SQLite file lives on one machine's disk: a redeploy to a fresh container loses every order
    // and undelivered event in it, and a second instance cannot share it.
    if (!raw.DATABASE_URL && !raw.ALLOW_SQLITE_IN_PRODUCTION) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message:
          'is required in production (a Postgres URL); set ALLOW_SQLITE_IN_PRODUCTION=true to run on the SQLite file at OUTBOX_SQLITE_PATH instead',
      });
    }
    // Next.js gives route handlers no socket address, so the proxy count is the only way to tell
    // shoppers apart. Left unset, every limit would be one bucket for the whole store (a sale-day
    // outage of carts), or, set too high, a key the client writes: the operator must say which.
    if (raw.TRUSTED_PROXY_HOPS === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['TRUSTED_PROXY_HOPS'],
        message:
          'is required in production: the number of proxies in front of the app that append to X-Forwarded-For (0 when clients connect directly, which makes every rate limit shared by all clients)',
      });
    }
    if (raw.KLAVIYO_API_URL && raw.KLAVIYO_API_URL !== LIVE_API_URL && !raw.KLAVIYO_ALLOW_EMULATOR) {
      ctx.addIssue({
        code: 'custom',
        path: ['KLAVIYO_API_URL'],
        message: `points at ${raw.KLAVIYO_API_URL}, not ${LIVE_API_URL}; set KLAVIYO_ALLOW_EMULATOR=true only to run a production build against the emulator`,
      });
    }
  })
  .superRefine((raw, ctx) => {
    // An OAuth provider needs both halves of its client; half a pair is a typo, not "off".
    for (const [id, secret] of [
      ['GITHUB_ID', 'GITHUB_SECRET'],
      ['GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET'],
    ] as const) {
      if (Boolean(raw[id]) !== Boolean(raw[secret]))
        ctx.addIssue({
          code: 'custom',
          path: [raw[id] ? secret : id],
          message: `is required with ${raw[id] ? id : secret}`,
        });
    }
    if (raw.NODE_ENV !== 'production') return;
    // The admin dashboard: no shared development secret and no generated password in production.
    for (const key of ['NEXTAUTH_SECRET', 'NEXTAUTH_URL', 'ADMIN_EMAIL'] as const) {
      if (!raw[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required in production' });
    }
    // The demo store's account links prove an email; a per-process secret would break every link on
    // the next deploy and differ between instances (lib/store/account-links.ts).
    if (!raw.STORE_LINK_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['STORE_LINK_SECRET'],
        message: 'is required in production: it signs the account links the store emails',
      });
    }
    const oauth = Boolean(
      (raw.GITHUB_ID && raw.GITHUB_SECRET) || (raw.GOOGLE_CLIENT_ID && raw.GOOGLE_CLIENT_SECRET),
    );
    if (!raw.ADMIN_PASSWORD_HASH && !oauth) {
      ctx.addIssue({
        code: 'custom',
        path: ['ADMIN_PASSWORD_HASH'],
        message:
          'is required in production unless an OAuth provider (GITHUB_ID/GITHUB_SECRET or GOOGLE_CLIENT_ID/GOOGLE_CLIENT_SECRET) is set',
      });
    }
  })
  .transform((raw) => {
    const apiUrl = (raw.KLAVIYO_API_URL ?? EMULATOR_API_URL).replace(/\/$/, '');
    return {
      nodeEnv: raw.NODE_ENV,
      klaviyo: {
        apiUrl,
        privateKey: raw.KLAVIYO_PRIVATE_KEY ?? EMULATOR_PRIVATE_KEY,
        companyId: raw.KLAVIYO_PUBLIC_KEY ?? raw.NEXT_PUBLIC_KLAVIYO_COMPANY_ID ?? EMULATOR_COMPANY_ID,
        timeoutMs: raw.KLAVIYO_TIMEOUT_MS,
        live: apiUrl === LIVE_API_URL,
        newsletterListId: raw.KLAVIYO_NEWSLETTER_LIST_ID,
      },
      outbox: {
        databaseUrl: raw.DATABASE_URL,
        sqlitePath: raw.OUTBOX_SQLITE_PATH,
        drainSecret: raw.OUTBOX_DRAIN_SECRET,
      },
      /** Proxies in front of the app that append to X-Forwarded-For; 0: none (lib/klaviyo-next/http/client-address.ts). */
      trustedProxyHops: raw.TRUSTED_PROXY_HOPS ?? 0,
      emulatorPort: raw.EMULATOR_PORT,
      storeUrl: raw.STORE_URL.replace(/\/$/, ''),
      /** Store account links (lib/store/account-links.ts): unset secret = random per process outside production. */
      storeAccounts: { linkSecret: raw.STORE_LINK_SECRET, mailFile: raw.STORE_MAIL_FILE },
      auth: {
        secret: raw.NEXTAUTH_SECRET ?? developmentAuthSecret(),
        url: raw.NEXTAUTH_URL,
        adminEmail: (raw.ADMIN_EMAIL ?? DEV_ADMIN_EMAIL).toLowerCase(),
        /** Unset outside production: a generated password is printed at start (lib/auth/dev-password.ts). */
        adminPasswordHash: raw.ADMIN_PASSWORD_HASH,
        /** Who may sign in through an OAuth provider: the admin and these addresses. */
        oauthEmails: [(raw.ADMIN_EMAIL ?? DEV_ADMIN_EMAIL).toLowerCase(), ...(raw.ADMIN_OAUTH_EMAILS ?? [])],
        github:
          raw.GITHUB_ID && raw.GITHUB_SECRET
            ? { clientId: raw.GITHUB_ID, clientSecret: raw.GITHUB_SECRET }
            : undefined,
        google:
          raw.GOOGLE_CLIENT_ID && raw.GOOGLE_CLIENT_SECRET
            ? { clientId: raw.GOOGLE_CLIENT_ID, clientSecret: raw.GOOGLE_CLIENT_SECRET }
            : undefined,
      },
    };
  });

export type Env = z.output<typeof schema>;

/** A configuration error that names each variable and what is wrong with it. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses a set of variables; exported for tests, which pass their own. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // An empty string means "not set", as in a copied .env.example.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || 'environment'} ${i.message}`));
}

let cached: Env | undefined;

/** The server's configuration, validated once. Never call it from client components. */
export function env(): Env {
  if (typeof window !== 'undefined')
    throw new Error('env() is server-only; pass what the browser needs as props from a server component.');
  cached ??= parseEnv(process.env);
  return cached;
}
