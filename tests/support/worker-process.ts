import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `npm run worker` as a child process: the same `node --conditions=react-server --import tsx
 * scripts/worker.ts` command, started directly, which skips npm's start-up (~0.7 s a start, and a
 * crash test starts twenty of them). The worker runs in a new process group and is killed as a group,
 * so nothing it started outlives a SIGKILL.
 */
export interface WorkerProcess {
  /** Resolves with the dispatcher's lease owner once the worker has opened the outbox. */
  readonly started: Promise<string>;
  /** Resolves with the exit code (or the signal's name) when the whole worker has gone. */
  readonly exited: Promise<number | string>;
  output(): string;
  /** Kills the process group at once: no handler, no finally, no flush runs. */
  kill(): void;
  /** Asks for a graceful stop (the worker finishes its round). */
  stop(): void;
}

export function startWorker(env: Record<string, string>): WorkerProcess {
  // Only what the worker's configuration reads (lib/env.ts), so the test's own DATABASE_URL or
  // NODE_ENV never leaks in and picks a different backend.
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=react-server', '--import', 'tsx', 'scripts/worker.ts'],
    {
      cwd: ROOT,
      detached: true,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  const started = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const owner = /\[worker\] (\S+) started/.exec(log)?.[1];
      if (owner) resolve(owner);
    });
    child.once('exit', () => reject(new Error(`the worker exited before it started:\n${log}`)));
  });
  started.catch(() => undefined); // a worker killed during start-up is an expected outcome
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
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
    started,
    exited,
    output: () => log,
    kill: () => group('SIGKILL'),
    stop: () => group('SIGTERM'),
  };
}
