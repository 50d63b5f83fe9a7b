import { z } from 'zod';

/**
 * The plugin's own settings, validated from a source object the host passes (usually `process.env`):
 * only `KLAVIYO_*`, `OUTBOX_*` and `TRUSTED_PROXY_HOPS`. Nothing of the host's (its database, its
 * sign-in, its URLs) is required here, so the outbox and the worker start with these alone. Outside
 * production every variable has a default that points at the bundled emulator; in production nothing
 * unsafe is defaulted and the error names each variable to set.
 */

const LIVE_API_URL = 'https://a.klaviyo.com';
const EMULATOR_API_URL = 'http://127.0.0.1:8787';
const EMULATOR_PRIVATE_KEY = 'pk_emulator_demo_private_key';
const EMULATOR_COMPANY_ID = 'DEMO01';

/** Klaviyo itself (a.klaviyo.com or another of its hosts), as opposed to the emulator or a stand-in. */
function isKlaviyoHost(url: string): boolean {
  try {
    return /(^|\.)klaviyo\.com$/i.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .optional();

// Klaviyo's public API key (site id) is six letters and digits ("Account > Settings > API keys").
const companyIdField = z
  .string()
  .regex(/^[A-Za-z0-9]{6}$/, 'must be the six-character public API key (site id)')
  .optional();

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    KLAVIYO_API_URL: z.url({ protocol: /^https?$/ }).optional(),
    KLAVIYO_PRIVATE_KEY: z
      .string()
      .regex(/^pk_\w+$/, 'must be a Klaviyo private API key (it starts with pk_)')
      .optional(),
    // The public API key under the name Klaviyo's own guides use, or the older name a browser bundle
    // would inline; two different values are refused below.
    KLAVIYO_PUBLIC_KEY: companyIdField,
    NEXT_PUBLIC_KLAVIYO_COMPANY_ID: companyIdField,
    KLAVIYO_ALLOW_EMULATOR: bool,
    KLAVIYO_ALLOW_LIVE_OUTSIDE_PRODUCTION: bool,
    KLAVIYO_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120_000).default(10_000),
    KLAVIYO_NEWSLETTER_LIST_ID: z
      .string()
      .regex(/^[A-Za-z0-9]{6}$/, 'must be a Klaviyo list id (six letters and digits, as in the list URL)')
      .optional(),
    OUTBOX_DRAIN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    // Delivered messages are deleted after this many days (the outbox keeps customer data no longer);
    // what dedup needs stays as a hash of each key. Dead letters are kept until replayed.
    OUTBOX_RETENTION_DAYS: z.coerce
      .number({ error: 'must be a whole number of days (1 to 3650)' })
      .int('must be a whole number of days (1 to 3650)')
      .min(1, 'must be at least 1 day')
      .max(3650, 'must be at most 3650 days (ten years)')
      .default(30),
    // The alert hook (createKlaviyoNext's onAlert): rounds that claimed messages and failed in a row
    // before `rounds_failing`, and the age of the oldest waiting message that raises `backlog_stale`.
    OUTBOX_ALERT_FAILED_ROUNDS: z.coerce
      .number({ error: 'must be a whole number of rounds (1 to 1000)' })
      .int('must be a whole number of rounds (1 to 1000)')
      .min(1, 'must be at least 1 round')
      .max(1000, 'must be at most 1000 rounds')
      .default(3),
    OUTBOX_ALERT_PENDING_MINUTES: z.coerce
      .number({ error: 'must be a whole number of minutes (1 to 10080)' })
      .int('must be a whole number of minutes (1 to 10080)')
      .min(1, 'must be at least 1 minute')
      .max(10_080, 'must be at most 10080 minutes (a week)')
      .default(30),
    TRUSTED_PROXY_HOPS: z.coerce
      .number()
      .int()
      .min(0, 'must be 0 (no proxy) or the number of proxies in front of the app')
      .max(10, 'must be at most 10 (the number of proxies in front of the app)')
      .optional(),
  })
  .superRefine((raw, ctx) => {
    const production = raw.NODE_ENV === 'production';
    const { KLAVIYO_PUBLIC_KEY: key, NEXT_PUBLIC_KLAVIYO_COMPANY_ID: legacy } = raw;
    // Two site ids: klaviyo.js would identify shoppers into one account while the server writes their
    // orders to another. Equal values are fine (a host renaming the variable).
    if (key && legacy && key !== legacy)
      ctx.addIssue({
        code: 'custom',
        path: ['KLAVIYO_PUBLIC_KEY'],
        message: `(${key}) and NEXT_PUBLIC_KLAVIYO_COMPANY_ID (${legacy}) are different public API keys; set one (KLAVIYO_PUBLIC_KEY), or both to the same key`,
      });
    if (!production) {
      // A live key outside production: a development or staging site would write to real profiles,
      // and send real messages, from an app with development defaults.
      if (
        raw.KLAVIYO_API_URL &&
        raw.KLAVIYO_PRIVATE_KEY &&
        isKlaviyoHost(raw.KLAVIYO_API_URL) &&
        !raw.KLAVIYO_ALLOW_LIVE_OUTSIDE_PRODUCTION
      )
        ctx.addIssue({
          code: 'custom',
          path: ['KLAVIYO_PRIVATE_KEY'],
          message: `is a live key for ${raw.KLAVIYO_API_URL} outside production (NODE_ENV=${raw.NODE_ENV}); set NODE_ENV=production, or KLAVIYO_ALLOW_LIVE_OUTSIDE_PRODUCTION=true to use a live account from development or staging`,
        });
      return;
    }
    for (const name of ['KLAVIYO_API_URL', 'KLAVIYO_PRIVATE_KEY'] as const)
      if (!raw[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'is required in production' });
    if (!key && !legacy)
      ctx.addIssue({
        code: 'custom',
        path: ['KLAVIYO_PUBLIC_KEY'],
        message: 'is required in production (or its older name NEXT_PUBLIC_KLAVIYO_COMPANY_ID)',
      });
    // Next.js gives route handlers no socket address, so the proxy count is the only way to tell
    // shoppers apart. Left unset, every limit would be one bucket for the whole store (a sale-day
    // outage of carts), or, set too high, a key the client writes: the operator must say which.
    if (raw.TRUSTED_PROXY_HOPS === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['TRUSTED_PROXY_HOPS'],
        message:
          'is required in production: the number of proxies in front of the app that append to X-Forwarded-For (0 when clients connect directly, which makes every rate limit shared by all clients)',
      });
    if (raw.KLAVIYO_API_URL && raw.KLAVIYO_API_URL !== LIVE_API_URL && !raw.KLAVIYO_ALLOW_EMULATOR)
      ctx.addIssue({
        code: 'custom',
        path: ['KLAVIYO_API_URL'],
        message: `points at ${raw.KLAVIYO_API_URL}, not ${LIVE_API_URL}; set KLAVIYO_ALLOW_EMULATOR=true only to run a production build against the emulator`,
      });
  })
  .transform((raw) => {
    const apiUrl = (raw.KLAVIYO_API_URL ?? EMULATOR_API_URL).replace(/\/$/, '');
    return {
      nodeEnv: raw.NODE_ENV,
      apiUrl,
      privateKey: raw.KLAVIYO_PRIVATE_KEY ?? EMULATOR_PRIVATE_KEY,
      /** The public API key: KLAVIYO_PUBLIC_KEY, else NEXT_PUBLIC_KLAVIYO_COMPANY_ID (they may not differ). */
      companyId: raw.KLAVIYO_PUBLIC_KEY ?? raw.NEXT_PUBLIC_KLAVIYO_COMPANY_ID ?? EMULATOR_COMPANY_ID,
      timeoutMs: raw.KLAVIYO_TIMEOUT_MS,
      live: apiUrl === LIVE_API_URL,
      newsletterListId: raw.KLAVIYO_NEWSLETTER_LIST_ID,
      /** Unset: the cron drain route answers 404 (it can never be an open trigger). */
      drainSecret: raw.OUTBOX_DRAIN_SECRET,
      /** Days a delivered message is kept before it is pruned (OUTBOX_RETENTION_DAYS, default 30). */
      retentionDays: raw.OUTBOX_RETENTION_DAYS,
      /** When onAlert is told (OUTBOX_ALERT_FAILED_ROUNDS, default 3; OUTBOX_ALERT_PENDING_MINUTES, default 30). */
      alerts: {
        failedRounds: raw.OUTBOX_ALERT_FAILED_ROUNDS,
        pendingAgeMs: raw.OUTBOX_ALERT_PENDING_MINUTES * 60_000,
      },
      /** Proxies in front of the app that append to X-Forwarded-For; 0: none (http/client-address.ts). */
      trustedProxyHops: raw.TRUSTED_PROXY_HOPS ?? 0,
    };
  });

export type KlaviyoNextConfig = z.output<typeof schema>;

/** A configuration error that names each variable and what is wrong with it. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Drops variables that are not set: an empty string means "not set", as in a copied .env.example. */
export function setVariables(source: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(source).filter((entry): entry is [string, string] => Boolean(entry[1])),
  );
}

/** Throws a ConfigError naming every problem, or returns the parsed value. */
export function parseOrExplain<T>(result: z.ZodSafeParseResult<T>): T {
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || 'environment'} ${i.message}`));
}

/** The plugin's settings from `source` (only the variables it owns are read). */
export function parseKlaviyoConfig(source: Readonly<Record<string, string | undefined>>): KlaviyoNextConfig {
  return parseOrExplain(schema.safeParse(setVariables(source)));
}
