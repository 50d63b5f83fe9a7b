import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateAppDatabase } from '../../lib/app/migrations.js';
import { hashPassword } from '../../lib/auth/password.js';
import { openPostgres } from '../../lib/klaviyo-next/sql/postgres.js';
import { openSqlite } from '../../lib/klaviyo-next/sql/sqlite.js';
import { freePort, waitForHttp } from './ports.js';

/**
 * One production build of the app for every end-to-end test file, and `next start` servers over it.
 * The build is made once per test run (a lock keeps parallel workers from building at the same time)
 * with the fixed demo identity below, because NEXT_PUBLIC_ values are inlined into the browser code.
 * Server-side settings (Klaviyo URL, database, secrets) are read at run time and differ per server.
 */
export const E2E_COMPANY_ID = 'DEMO01';
export const E2E_PRIVATE_KEY = 'pk_emulator_demo_private_key';
export const E2E_ADMIN = { email: 'merchant@example.com', password: 'correct horse battery staple' };
/**
 * The emulator's port in e2e runs. Fixed, because the Content-Security-Policy that admits it is
 * computed when the app is built; e2e files run one at a time, so they can share it.
 */
export const E2E_EMULATOR_PORT = 18787;
export const E2E_EMULATOR_URL = `http://127.0.0.1:${E2E_EMULATOR_PORT}`;

const ROOT = process.cwd();
const LOCK = join(ROOT, '.next-e2e.lock');
const STAMP = join(ROOT, '.next', 'e2e-build-stamp');

/** Environment of a production build and server that talk to the emulator. */
export async function productionEnv(extra: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  return {
    ...process.env,
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    KLAVIYO_ALLOW_EMULATOR: 'true',
    // Each server runs on a SQLite file of its own (startApp); production requires the opt-in.
    ALLOW_SQLITE_IN_PRODUCTION: 'true',
    // Chromium talks to `next start` directly: no proxy appends to X-Forwarded-For.
    TRUSTED_PROXY_HOPS: '0',
    KLAVIYO_API_URL: E2E_EMULATOR_URL,
    KLAVIYO_PRIVATE_KEY: E2E_PRIVATE_KEY,
    NEXT_PUBLIC_KLAVIYO_COMPANY_ID: E2E_COMPANY_ID,
    NEXTAUTH_SECRET: 'e2e-secret-e2e-secret-e2e-secret-0123456789',
    STORE_LINK_SECRET: 'e2e-link-secret-e2e-link-secret-0123456789',
    NEXTAUTH_URL: 'http://127.0.0.1:3000',
    ADMIN_EMAIL: E2E_ADMIN.email,
    // Made by the app's own hashing, so the test knows the password and the app its hash.
    ADMIN_PASSWORD_HASH: await hashPassword(E2E_ADMIN.password),
    ...extra,
  };
}

async function withLock<T>(fn: () => Promise<T> | T): Promise<T> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // A stale lock (a crashed run) older than 15 minutes is taken over.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 15 * 60_000)
        rmSync(LOCK, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Builds the app once for this test run (the stamp names the run's start). */
export async function ensureProductionBuild(runId: string): Promise<void> {
  const env = await productionEnv();
  await withLock(() => {
    if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === runId) return;
    execFileSync('npx', ['next', 'build'], { cwd: ROOT, env, stdio: 'pipe', maxBuffer: 64 * 1024 * 1024 });
    writeFileSync(STAMP, runId);
  });
}

export interface RunningApp {
  url: string;
  sqlitePath: string;
  output: string[];
  stop(): void;
}

/** Starts `next start` on a free port against the e2e emulator, with its own SQLite file. */
export async function startApp(extra: Record<string, string> = {}): Promise<RunningApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const sqlitePath = join(mkdtempSync(join(tmpdir(), 'e2e-app-')), 'app.db');
  // The deploy step: the app refuses a database `npm run migrate` has not brought up to date.
  await migrateDatabase(extra.DATABASE_URL, sqlitePath);
  const output: string[] = [];
  const child: ChildProcess = spawn('npx', ['next', 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: ROOT,
    detached: true,
    env: await productionEnv({
      OUTBOX_SQLITE_PATH: sqlitePath,
      NEXTAUTH_URL: url,
      ...extra,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c) => output.push(String(c)));
  child.stderr?.on('data', (c) => output.push(String(c)));
  try {
    await waitForHttp(url, 60_000);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${output.join('')}`);
  }
  return {
    url,
    sqlitePath,
    output,
    stop: () => {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    },
  };
}

/** What `npm run migrate` does before a deploy: the app's migrations on the database a server will open. */
async function migrateDatabase(databaseUrl: string | undefined, sqlitePath: string): Promise<void> {
  const db = databaseUrl ? openPostgres(databaseUrl, { max: 1 }) : openSqlite(sqlitePath);
  try {
    await migrateAppDatabase(db);
  } finally {
    await db.close();
  }
}
