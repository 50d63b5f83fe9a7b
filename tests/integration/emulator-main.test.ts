import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';

/**
 * `npm run emulator` as a developer starts it, with a live KLAVIYO_PRIVATE_KEY in the shell. Before:
 * the emulator adopted that key for its account and printed it in its start-up banner, which ends up
 * in terminals, CI logs and screenshots. Now it prints, and accepts, only its own demo key.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const LIVE_KEY = 'pk_live_0123456789abcdef0123456789abcdef';
const DEMO_KEY = 'pk_emulator_demo_private_key';

let child: ChildProcess | undefined;
afterAll(() => {
  if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
});

describe('emulator start-up', () => {
  it('prints only its own demo key, never KLAVIYO_PRIVATE_KEY from the environment', async () => {
    const port = await freePort();
    child = spawn(`${ROOT}node_modules/.bin/tsx`, ['emulator/main.ts', '--port', String(port), '--no-seed'], {
      cwd: ROOT,
      detached: true,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NODE_ENV: 'development',
        KLAVIYO_PRIVATE_KEY: LIVE_KEY,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        if (/private key \S+/.test(output)) resolve();
      };
      child?.stdout?.on('data', read);
      child?.stderr?.on('data', read);
      child?.once('exit', () => reject(new Error(`the emulator exited:\n${output}`)));
    });
    expect(output).not.toContain(LIVE_KEY);
    expect(output).toContain(`private key ${DEMO_KEY}`);

    // And the key it printed is the one it takes; the environment's is a stranger to it.
    const accounts = (key: string) =>
      fetch(`http://127.0.0.1:${port}/api/accounts`, {
        headers: {
          Authorization: `Klaviyo-API-Key ${key}`,
          revision: '2026-07-15',
          accept: 'application/vnd.api+json',
        },
      });
    expect((await accounts(DEMO_KEY)).status).toBe(200);
    expect((await accounts(LIVE_KEY)).status).toBe(401);
  });
});
