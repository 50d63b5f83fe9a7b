import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, waitForHttp } from './ports.js';
import { TEST_DATABASE_URL } from './requirements.js';

/**
 * Harbor Tea (tests/fixtures/host-store), the second store: its own production build in its own
 * folder's .next, a Postgres database of its own per run, and `next start` on a free port.
 */
export const HOST_STORE = join(import.meta.dirname, '..', 'fixtures', 'host-store');
const NEXT = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'next');

/** The merchant's dashboard token the e2e store is started with. */
export const HOST_ADMIN_TOKEN = 'harbor-admin-token-harbor-admin-token-0123';

/** Settings a production build and server of the fixture read: the plugin's and the shop's own. */
export function hostStoreEnv(klaviyo: { apiUrl: string; companyId: string; privateKey: string }, extra = {}) {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    KLAVIYO_API_URL: klaviyo.apiUrl,
    KLAVIYO_ALLOW_EMULATOR: 'true',
    KLAVIYO_PRIVATE_KEY: klaviyo.privateKey,
    KLAVIYO_PUBLIC_KEY: klaviyo.companyId,
    TRUSTED_PROXY_HOPS: '0',
    SHOP_ADMIN_TOKEN: HOST_ADMIN_TOKEN,
    ...extra,
  } as NodeJS.ProcessEnv;
}

/** `next build` in the fixture's folder (its output stays in tests/fixtures/host-store/.next). */
export function buildHostStore(env: NodeJS.ProcessEnv): void {
  try {
    execFileSync(NEXT, ['build'], { cwd: HOST_STORE, env, stdio: 'pipe', maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`next build of the host store failed:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

export interface HostDatabase {
  url: string;
  query<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** A fresh, empty Postgres database; the store makes its tables and the plugin's when it starts. */
export async function freshHostDatabase(): Promise<HostDatabase> {
  const name = `harbor_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  return {
    url: url.toString(),
    query: async (text, values) => (await pool.query(text, values)).rows,
    async drop() {
      await pool.end();
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export interface RunningHostStore {
  url: string;
  output: string[];
  stop(): void;
}

/** `next start` of the built fixture on a free port. */
export async function startHostStore(env: NodeJS.ProcessEnv): Promise<RunningHostStore> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const child: ChildProcess = spawn(NEXT, ['start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: HOST_STORE,
    detached: true,
    env: { ...env, SHOP_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c) => output.push(String(c)));
  child.stderr?.on('data', (c) => output.push(String(c)));
  try {
    await waitForHttp(url, 60_000);
  } catch (error) {
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
    throw new Error(`${(error as Error).message}\n${output.join('')}`);
  }
  return {
    url,
    output,
    stop: () => {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    },
  };
}
