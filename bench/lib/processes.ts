import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, waitForHttp } from './ports.js';

// Processes the track and backlog benches start beside themselves: the emulator, `next start`, a
// drain. Each runs in a process group of its own and is stopped as a group. (Benchmarks import
// nothing from tests/, so these few lines are not shared with tests/support.)

export { freePort, waitForHttp };

export const ROOT = join(import.meta.dirname, '..', '..');

export interface Started {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code once the process has gone. */
  exited: Promise<number | null>;
  stop(): void;
}

/** `command args` in its own process group, its output kept (the last 200 KB) for an error message. */
export function startProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env: Record<string, string> },
): Started {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: options.env as NodeJS.ProcessEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => log,
    exited,
    stop: () => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    },
  };
}

/** A node process running a TypeScript file through tsx, as `npm run` scripts do. */
export function startTsx(file: string, args: string[], env: Record<string, string>): Started {
  return startProcess(process.execPath, ['--conditions=react-server', '--import', 'tsx', file, ...args], {
    env,
  });
}

/** The emulator (`npm run emulator`) as a process of its own, with the empty demo account. */
export async function startEmulatorProcess(): Promise<
  Started & { url: string; privateKey: string; companyId: string }
> {
  const port = await freePort();
  const started = startTsx('emulator/main.ts', ['--port', String(port), '--no-seed'], {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/__emulator/clock`, 60_000);
  } catch (error) {
    started.stop();
    throw new Error(`${(error as Error).message}\n${started.output()}`);
  }
  // emulator/main.ts: the demo account's keys, never KLAVIYO_PRIVATE_KEY from the environment.
  return { ...started, url, privateKey: 'pk_emulator_demo_private_key', companyId: 'DEMO01' };
}
