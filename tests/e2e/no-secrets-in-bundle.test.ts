import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { productionEnv } from '../support/app-server.js';
import { describeWithChromium } from '../support/requirements.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/**
 * Everything under .next/static is served to browsers. The production build the e2e suite made
 * (tests/support/e2e-setup.ts) must not carry the private API key or any server secret.
 */
describeWithChromium('the browser bundle of a production build', () => {
  it('holds no private key and no server secret', async () => {
    const env = await productionEnv();
    const secrets = {
      KLAVIYO_PRIVATE_KEY: env.KLAVIYO_PRIVATE_KEY,
      NEXTAUTH_SECRET: env.NEXTAUTH_SECRET,
      ADMIN_PASSWORD_HASH_SALT: env.ADMIN_PASSWORD_HASH?.split(':').at(-2),
    };
    const bundle = files('.next/static');
    expect(bundle.length).toBeGreaterThan(10);
    const leaks: string[] = [];
    for (const file of bundle) {
      const text = readFileSync(file, 'latin1');
      for (const [name, value] of Object.entries(secrets)) {
        if (value && text.includes(value)) leaks.push(`${name} in ${file}`);
      }
      // Any Klaviyo private key shape at all, not just this run's.
      if (/\bpk_[A-Za-z0-9_]{10,}/.test(text)) leaks.push(`a pk_ key in ${file}`);
    }
    expect(leaks).toEqual([]);
  });
});
