import { type ChildProcess, spawn } from 'node:child_process';
import { chromium } from 'playwright';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, waitForHttp } from '../support/ports.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, describeWithChromium } from '../support/requirements.js';

/**
 * The README's contract with a new user: `npm run dev` starts the app and a seeded emulator with no
 * account. This runs that exact script (on free ports) and looks at it the way a person would.
 */
describeWithChromium('npm run dev', () => {
  let dev: ChildProcess;
  let appUrl: string;
  let emulatorUrl: string;
  const output: string[] = [];

  beforeAll(async () => {
    const [appPort, emulatorPort] = [await freePort(), await freePort()];
    appUrl = `http://127.0.0.1:${appPort}`;
    emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
    dev = spawn('npm', ['run', 'dev'], {
      detached: true,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        PORT: String(appPort),
        EMULATOR_PORT: String(emulatorPort),
        KLAVIYO_API_URL: emulatorUrl,
        NEXT_TELEMETRY_DISABLED: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    dev.stdout?.on('data', (chunk) => output.push(String(chunk)));
    dev.stderr?.on('data', (chunk) => output.push(String(chunk)));
    try {
      await waitForHttp(`${emulatorUrl}/__emulator/health`, 60_000);
      await waitForHttp(appUrl, 120_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${output.join('')}`);
    }
  }, 180_000);

  afterAll(() => {
    if (dev?.pid) process.kill(-dev.pid, 'SIGTERM');
  });

  it('serves the storefront, talking to the seeded emulator', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const response = await page.goto(appUrl, { timeout: 120_000 });
      expect(response?.status(), output.join('')).toBe(200);
      await expect(page.getByTestId('klaviyo-mode').textContent()).resolves.toContain(
        'Local Klaviyo emulator',
      );
    } finally {
      await browser.close();
    }
  }, 150_000);

  it('seeds the emulator with a demo account the app can read with its default key', async () => {
    const response = await fetch(
      `${emulatorUrl}/api/campaigns?filter=${encodeURIComponent("equals(messages.channel,'email')")}`,
      {
        headers: { Authorization: 'Klaviyo-API-Key pk_emulator_demo_private_key', revision: '2026-07-15' },
      },
    );
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.data.length).toBeGreaterThan(3);
  });

  it('sends the store’s catalogue to the emulator, whose own starts empty', async () => {
    const items = async () => {
      const response = await fetch(`${emulatorUrl}/api/catalog-items?page[size]=100`, {
        headers: { Authorization: 'Klaviyo-API-Key pk_emulator_demo_private_key', revision: '2026-07-15' },
      });
      return response.ok ? ((await response.json()).data as unknown[]).length : -1;
    };
    // The 24 demo products, unpublished ones included (as unpublished), once the sync has run.
    await expect.poll(items, { timeout: 60_000, interval: 1000 }).toBe(24);
    expect(output.join('')).toContain('the emulator holds the store’s catalogue');
  }, 90_000);
});
