import { z } from 'zod';

/**
 * The one place that reads `process.env`. Everything else imports `env()` (server) or `publicEnv`
 * (browser-safe, NEXT_PUBLIC_ only). In development every variable has a default that points at the
 * bundled emulator; in production nothing unsafe is defaulted and start-up stops with the name of the
 * variable to set.
 */

const LIVE_API_URL = 'https://a.klaviyo.com';
const EMULATOR_API_URL = 'http://127.0.0.1:8787';
const EMULATOR_PRIVATE_KEY = 'pk_emulator_demo_private_key';
const EMULATOR_COMPANY_ID = 'DEMO01';

const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .optional();

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    KLAVIYO_API_URL: z.url({ protocol: /^https?$/ }).optional(),
    KLAVIYO_PRIVATE_KEY: z
      .string()
      .regex(/^pk_\w+$/, 'must be a Klaviyo private API key (it starts with pk_)')
      .optional(),
    NEXT_PUBLIC_KLAVIYO_COMPANY_ID: z
      .string()
      .regex(/^[A-Za-z0-9]{6}$/, 'must be the six-character public API key (site id)')
      .optional(),
    KLAVIYO_ALLOW_EMULATOR: bool,
    KLAVIYO_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120_000).default(10_000),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    OUTBOX_SQLITE_PATH: z.string().min(1).default('./data/outbox.db'),
    OUTBOX_DRAIN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    EMULATOR_PORT: z.coerce.number().int().min(1).max(65_535).default(8787),
    KLAVIYO_NEWSLETTER_LIST_ID: z
      .string()
      .regex(/^[A-Za-z0-9]{6}$/, 'must be a Klaviyo list id (six letters and digits, as in the list URL)')
      .optional(),
    STORE_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:3000'),
  })
  .superRefine((raw, ctx) => {
    if (raw.NODE_ENV !== 'production') return;
    for (const key of ['KLAVIYO_API_URL', 'KLAVIYO_PRIVATE_KEY', 'NEXT_PUBLIC_KLAVIYO_COMPANY_ID'] as const) {
      if (!raw[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required in production' });
    }
    if (raw.KLAVIYO_API_URL && raw.KLAVIYO_API_URL !== LIVE_API_URL && !raw.KLAVIYO_ALLOW_EMULATOR) {
      ctx.addIssue({
        code: 'custom',
        path: ['KLAVIYO_API_URL'],
        message: `points at ${raw.KLAVIYO_API_URL}, not ${LIVE_API_URL}; set KLAVIYO_ALLOW_EMULATOR=true only to run a production build against the emulator`,
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
        companyId: raw.NEXT_PUBLIC_KLAVIYO_COMPANY_ID ?? EMULATOR_COMPANY_ID,
        timeoutMs: raw.KLAVIYO_TIMEOUT_MS,
        live: apiUrl === LIVE_API_URL,
        newsletterListId: raw.KLAVIYO_NEWSLETTER_LIST_ID,
      },
      outbox: { databaseUrl: raw.DATABASE_URL, sqlitePath: raw.OUTBOX_SQLITE_PATH, drainSecret: raw.OUTBOX_DRAIN_SECRET },
      emulatorPort: raw.EMULATOR_PORT,
      storeUrl: raw.STORE_URL.replace(/\/$/, ''),
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
  if (typeof window !== 'undefined') throw new Error('env() is server-only; use publicEnv in the browser.');
  cached ??= parseEnv(process.env);
  return cached;
}

/** Browser-safe values. Next.js inlines NEXT_PUBLIC_ variables only when they are read literally. */
export const publicEnv = {
  companyId: process.env.NEXT_PUBLIC_KLAVIYO_COMPANY_ID || EMULATOR_COMPANY_ID,
};
