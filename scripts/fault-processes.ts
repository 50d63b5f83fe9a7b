/**
 * The processes of a sale day, for the fault suite (tests/faults) and the scale bench (bench/scale.ts):
 * the emulator (`emulator/main.ts`), the storefront (`scripts/fault-storefront.ts`) and delivery
 * workers (`scripts/worker.ts`), each its own Node process, started directly (`node --import tsx`,
 * without npm's start-up) in its own process group so a SIGKILL takes everything it started.
 * Nothing here imports tests/: the bench uses it too.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface Child {
  readonly pid: number;
  /** Resolves with the first match of `ready` in the output (stdout and stderr). */
  readonly ready: Promise<RegExpExecArray>;
  /** Resolves with the exit code (or the signal's name) once the process has gone. */
  readonly exited: Promise<number | string>;
  output(): string;
  /** SIGKILL to the whole group: no handler, no finally, no flush runs. */
  kill(): void;
  /** SIGTERM to the whole group: the graceful stop. */
  stop(): void;
}

// Children run in process groups of their own (so a SIGKILL takes all of a child), which also means
// they outlive this process unless killed: whatever is still running when it exits (a test timed out,
// a bench threw) is killed here.
const live = new Set<number>();
process.once('exit', () => {
  for (const pid of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

export function spawnScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  nodeArgs: string[] = [],
): Child {
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, '--conditions=react-server', '--import', 'tsx', script, ...args],
    {
      cwd: ROOT,
      detached: true,
      // Only what the child reads, so the parent's DATABASE_URL or NODE_ENV never leaks in.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  const readyPromise = new Promise<RegExpExecArray>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      // Output is kept bounded: a long run logs a lot and only the tail explains a failure.
      if (log.length > 200_000) log = log.slice(-100_000);
      const match = ready.exec(log);
      if (match) resolve(match);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', () => reject(new Error(`${script} exited before it was ready:\n${log}`)));
  });
  readyPromise.catch(() => undefined); // a child killed during start-up is an expected outcome
  if (child.pid !== undefined) live.add(child.pid);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      if (child.pid !== undefined) live.delete(child.pid);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  const group = (signal: NodeJS.Signals) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  return {
    pid: child.pid ?? -1,
    ready: readyPromise,
    exited,
    output: () => log,
    kill: () => group('SIGKILL'),
    stop: () => group('SIGTERM'),
  };
}

export interface EmulatorProcess extends Child {
  url: string;
  accountId: string;
  privateKey: string;
  control<T = any>(path: string, method?: string, body?: unknown): Promise<T>;
  setFaults(faults: object): Promise<unknown>;
  clearFaults(): Promise<unknown>;
  tally(query?: Record<string, string | number>): Promise<Tally>;
  /** Creates a list through Klaviyo's API (create_list) and returns its id. */
  createList(name: string): Promise<string>;
}

/** What GET /__emulator/accounts/:id/tally answers (emulator/core/control.ts, tallyAccount). */
export interface Tally {
  now: number;
  events: number;
  eventsByMetric: Record<string, number>;
  duplicated: number;
  duplicatedIds: string[];
  suppressed: number;
  eventsInJobs: number;
  jobs: Record<string, Record<string, number>>;
  throttled: number;
  faultsServed: { errors: number; drops: number; storm429: number; delayed: number };
  requests: Record<string, number>;
  uniqueIds?: string[];
  profiles?: {
    id: string;
    email: string | null;
    properties: Record<string, unknown>;
    subscriptions: Record<string, any>;
  }[];
}

/**
 * `npm run emulator` in its own process on a free port, unseeded (the demo's thousands of profiles
 * would only slow its profile lookups), with the spec's rate limits unless told otherwise.
 */
export async function startEmulatorProcess(
  options: { rateLimits?: boolean; heapMb?: number } = {},
): Promise<EmulatorProcess> {
  const child = spawnScript(
    'emulator/main.ts',
    ['--port', '0', '--no-seed', ...(options.rateLimits === false ? ['--no-rate-limits'] : [])],
    { KLAVIYO_PUBLIC_KEY: 'FAULT1' },
    /listening on (http:\/\/\S+)\n\s+company id (\S+), private key (\S+)\n/,
    options.heapMb ? [`--max-old-space-size=${options.heapMb}`] : [],
  );
  const [, url = '', accountId = '', privateKey = ''] = await child.ready;
  async function control<T>(path: string, method = 'GET', body?: unknown): Promise<T> {
    const response = await fetch(`${url}/__emulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`emulator ${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
  async function createList(name: string): Promise<string> {
    const response = await fetch(`${url}/api/lists`, {
      method: 'POST',
      headers: {
        Authorization: `Klaviyo-API-Key ${privateKey}`,
        revision: '2026-07-15',
        accept: 'application/vnd.api+json',
        'content-type': 'application/vnd.api+json',
      },
      body: JSON.stringify({ data: { type: 'list', attributes: { name } } }),
    });
    if (!response.ok) throw new Error(`create_list: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { data: { id: string } }).data.id;
  }
  return Object.assign(child, {
    url,
    createList,
    accountId,
    privateKey,
    control,
    setFaults: (faults: object) => control('/faults', 'PUT', faults),
    clearFaults: () => control('/faults', 'DELETE'),
    tally: (query: Record<string, string | number> = {}) =>
      control<Tally>(
        `/accounts/${accountId}/tally?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`,
      ),
  });
}

/** A Postgres URL whose connections use `schema` (libpq's `options`), for processes that read only DATABASE_URL. */
export function urlWithSchema(databaseUrl: string, schema: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** The plugin's variables pointing a process at the emulator's account. */
export const klaviyoEnv = (emu: EmulatorProcess): Record<string, string> => ({
  KLAVIYO_API_URL: emu.url,
  KLAVIYO_PRIVATE_KEY: emu.privateKey,
  KLAVIYO_PUBLIC_KEY: emu.accountId,
});

export interface WorkerChild extends Child {
  /** The dispatcher's lease owner, once the worker has opened the outbox. */
  owner: Promise<string>;
}

/** `npm run worker` on the Postgres schema. */
export function startWorkerProcess(env: Record<string, string>): WorkerChild {
  const child = spawnScript('scripts/worker.ts', [], env, /\[worker\] (\S+) started/);
  const owner = child.ready.then((m) => m[1] ?? '');
  owner.catch(() => undefined);
  return Object.assign(child, { owner });
}

/** The storefront under load (scripts/fault-storefront.ts); `ready` once it has placed its first order. */
export function startStorefrontProcess(env: Record<string, string>): Child {
  return spawnScript('scripts/fault-storefront.ts', [], env, /\[storefront\] placing orders/);
}
