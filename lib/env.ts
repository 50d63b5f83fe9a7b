import { z } from 'zod';
import {
  ConfigError,
  type KlaviyoNextConfig,
  parseKlaviyoConfig,
  parseOrExplain,
  setVariables,
} from './klaviyo-next/config';

/**
 * The demo app's settings: the one place that reads `process.env`. Everything else imports `env()`,
 * on the server; the browser gets what it needs (the public API key) as props from server components.
 * The plugin validates its own variables (KLAVIYO_*, OUTBOX_DRAIN_SECRET, TRUSTED_PROXY_HOPS) with its
 * own schema (lib/klaviyo-next/config.ts); this file adds the app's: its database, the store and the
 * admin sign-in. In development every variable has a default that points at the bundled emulator; in
 * production nothing unsafe is defaulted and start-up stops with the name of the variable to set.
 */

export { ConfigError } from './klaviyo-next/config';

const DEV_ADMIN_EMAIL = 'admin@example.com';
/** `scrypt:N:r:p:salt:hash` (base64url), as `npm run admin:hash-password` prints it; no `$`, which .env files expand. */
export const PASSWORD_HASH_PATTERN = /^scrypt:\d+:\d+:\d+:[A-Za-z0-9_-]{16,}:[A-Za-z0-9_-]{43,}$/;

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

/** The app's database: Postgres at DATABASE_URL, or the embedded SQLite file (lib/app/database.ts). */
const databaseSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    OUTBOX_SQLITE_PATH: z.string().min(1).default('./data/outbox.db'),
    ALLOW_SQLITE_IN_PRODUCTION: bool,
  })
  .superRefine((raw, ctx) => {
    // A SQLite file lives on one machine's disk: a redeploy to a fresh container loses every order
    // and undelivered event in it, and a second instance cannot share it.
    if (raw.NODE_ENV === 'production' && !raw.DATABASE_URL && !raw.ALLOW_SQLITE_IN_PRODUCTION) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message:
          'is required in production (a Postgres URL); set ALLOW_SQLITE_IN_PRODUCTION=true to run on the SQLite file at OUTBOX_SQLITE_PATH instead',
      });
    }
  })
  .transform((raw) => ({ databaseUrl: raw.DATABASE_URL, sqlitePath: raw.OUTBOX_SQLITE_PATH }));

export type DatabaseSettings = z.output<typeof databaseSchema>;

/** The store's public address (its product pages, the links in its events). */
const storeUrl = z.url({ protocol: /^https?$/ }).default('http://localhost:3000');

/** The storefront and the admin sign-in. */
const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    EMULATOR_PORT: z.coerce.number().int().min(1).max(65_535).default(8787),
    STORE_URL: storeUrl,
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
    // The secret_key of the store's Klaviyo webhook (the name Klaviyo's guides use), and the one before
    // a rotation; unset: the webhook route answers 404 and Settings cannot register the webhook.
    KLAVIYO_WEBHOOK_SECRET: z
      .string()
      .min(16, 'must be at least 16 characters (openssl rand -hex 32)')
      .optional(),
    KLAVIYO_WEBHOOK_PREVIOUS_SECRET: z
      .string()
      .min(16, 'must be at least 16 characters (openssl rand -hex 32)')
      .optional(),
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
    if (raw.KLAVIYO_WEBHOOK_PREVIOUS_SECRET && !raw.KLAVIYO_WEBHOOK_SECRET)
      ctx.addIssue({
        code: 'custom',
        path: ['KLAVIYO_WEBHOOK_SECRET'],
        message: 'is required with KLAVIYO_WEBHOOK_PREVIOUS_SECRET (the new secret of the rotation)',
      });
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
    return {
      nodeEnv: raw.NODE_ENV,
      emulatorPort: raw.EMULATOR_PORT,
      storeUrl: raw.STORE_URL.replace(/\/$/, ''),
      /** Store account links (lib/store/account-links.ts): unset secret = random per process outside production. */
      storeAccounts: { linkSecret: raw.STORE_LINK_SECRET, mailFile: raw.STORE_MAIL_FILE },
      /** The Klaviyo webhook receiver's secrets (createKlaviyoNext `webhooks`). */
      webhooks: { secret: raw.KLAVIYO_WEBHOOK_SECRET, previousSecret: raw.KLAVIYO_WEBHOOK_PREVIOUS_SECRET },
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

/** Everything the demo app is configured with: the plugin's settings, its database, store and admin. */
export type Env = z.output<typeof schema> & {
  klaviyo: KlaviyoNextConfig;
  database: DatabaseSettings;
  /** Proxies in front of the app that append to X-Forwarded-For (the plugin's TRUSTED_PROXY_HOPS). */
  trustedProxyHops: number;
};

/** Each part's problems together, so one start names every variable to fix. */
function parseAll<T extends unknown[]>(...parsers: { [K in keyof T]: () => T[K] }): T {
  const problems: string[] = [];
  const values = parsers.map((parse) => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  });
  if (problems.length) throw new ConfigError(problems);
  return values as T;
}

/** Parses a set of variables; exported for tests, which pass their own. */
export function parseEnv(source: Readonly<Record<string, string | undefined>>): Env {
  const [klaviyo, database, app] = parseAll<[KlaviyoNextConfig, DatabaseSettings, z.output<typeof schema>]>(
    () => parseKlaviyoConfig(source),
    () => parseDatabaseSettings(source),
    () => parseOrExplain(schema.safeParse(setVariables(source))),
  );
  return { ...app, klaviyo, database, trustedProxyHops: klaviyo.trustedProxyHops };
}

/** The database settings alone: the worker starts with these and the plugin's, nothing of the store's or admin's. */
export function parseDatabaseSettings(
  source: Readonly<Record<string, string | undefined>>,
): DatabaseSettings {
  return parseOrExplain(databaseSchema.safeParse(setVariables(source)));
}

let cached: Env | undefined;

/** The server's configuration, validated once. Never call it from client components. */
export function env(): Env {
  if (typeof window !== 'undefined')
    throw new Error('env() is server-only; pass what the browser needs as props from a server component.');
  cached ??= parseEnv(process.env);
  return cached;
}

/** The variables the plugin validates itself (createKlaviyoNext's `env`). */
export const pluginSettingsSource = (): Readonly<Record<string, string | undefined>> => process.env;

/**
 * The worker's own process settings: its probe server and how long a stop may take. Optional all:
 * without WORKER_HEALTH_PORT the worker serves no probes.
 */
const workerSchema = z
  .object({
    // Unset: no probe server. 1024 and up: an unprivileged process cannot listen below.
    WORKER_HEALTH_PORT: z.coerce
      .number({ error: 'must be a port number (1024 to 65535)' })
      .int('must be a port number (1024 to 65535)')
      .min(1024, 'must be at least 1024 (ports below need root)')
      .max(65_535, 'must be at most 65535')
      .optional(),
    WORKER_HEALTH_HOST: z
      .union([z.ipv4(), z.ipv6()], { error: 'must be an IP address to listen on' })
      .optional(),
    // The default is the lease (5 minutes) and a minute: a round silent for longer has lost its claim.
    WORKER_STALE_AFTER_SECONDS: z.coerce
      .number({ error: 'must be a whole number of seconds (10 to 3600)' })
      .int('must be a whole number of seconds (10 to 3600)')
      .min(10, 'must be at least 10 seconds')
      .max(3600, 'must be at most 3600 seconds')
      .default(360),
    // Kubernetes' default terminationGracePeriodSeconds is 30 and it SIGKILLs after it; 25 leaves the
    // worker time to log why it gave up before that.
    WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce
      .number({ error: 'must be a whole number of seconds (1 to 600)' })
      .int('must be a whole number of seconds (1 to 600)')
      .min(1, 'must be at least 1 second')
      .max(600, 'must be at most 600 seconds')
      .default(25),
  })
  .transform((raw) => ({
    healthPort: raw.WORKER_HEALTH_PORT,
    healthHost: raw.WORKER_HEALTH_HOST,
    staleAfterMs: raw.WORKER_STALE_AFTER_SECONDS * 1000,
    shutdownGraceMs: raw.WORKER_SHUTDOWN_GRACE_SECONDS * 1000,
  }));

export type WorkerSettings = z.output<typeof workerSchema>;

/** The worker's process settings alone (tests pass their own source). */
export function parseWorkerSettings(source: Readonly<Record<string, string | undefined>>): WorkerSettings {
  return parseOrExplain(workerSchema.safeParse(setVariables(source)));
}

/** What the worker process needs: the database, the plugin's own variables and its probes and stop. */
export function workerEnv(): {
  klaviyo: KlaviyoNextConfig;
  database: DatabaseSettings;
  worker: WorkerSettings;
} {
  const [klaviyo, database, worker] = parseAll<[KlaviyoNextConfig, DatabaseSettings, WorkerSettings]>(
    () => parseKlaviyoConfig(process.env),
    () => parseDatabaseSettings(process.env),
    () => parseWorkerSettings(process.env),
  );
  return { klaviyo, database, worker };
}

/**
 * What `npm run backfill` needs: the database, the plugin's own variables, and the store's URL (the
 * product links in past orders' events are built from it, as the live ones were).
 */
export function backfillEnv(): { klaviyo: KlaviyoNextConfig; database: DatabaseSettings; storeUrl: string } {
  const [klaviyo, database, url] = parseAll<[KlaviyoNextConfig, DatabaseSettings, string]>(
    () => parseKlaviyoConfig(process.env),
    () => parseDatabaseSettings(process.env),
    () => parseOrExplain(z.object({ STORE_URL: storeUrl }).safeParse(setVariables(process.env))).STORE_URL,
  );
  return { klaviyo, database, storeUrl: url.replace(/\/$/, '') };
}

/** `npm run catalog:sync` needs what the backfill does: Klaviyo, the database and the store's URL. */
export const catalogSyncEnv = () => backfillEnv();
