import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The lint rule that keeps the server-only Klaviyo client out of browser code. `npm test` lints
 * every real file; this shows the rule is in force by linting probe files, laid out as in this
 * project, under the project's own biome.json in a scratch folder.
 */
const BIOME = join(process.cwd(), 'node_modules/.bin/biome');

function lintAs(path: string, source: string): string {
  const root = mkdtempSync(join(tmpdir(), 'boundary-'));
  try {
    copyFileSync('biome.json', join(root, 'biome.json'));
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), source);
    execFileSync(BIOME, ['lint', '--vcs-enabled=false', path], {
      cwd: root,
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return '';
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}`;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('components cannot import the Klaviyo client', () => {
  it.each([
    "import { createKlaviyoClient } from '@/lib/klaviyo-next/api/client';",
    "import { KLAVIYO_REVISION } from '../../lib/klaviyo-next/api/revision';",
    "import 'server-only';",
    "import { enqueue } from '@/lib/klaviyo-next/outbox';",
  ])('rejects %s', (line) => {
    const output = lintAs('components/klaviyo/probe.tsx', `${line}\nexport const probe = 1;\n`);
    expect(output).toContain('noRestrictedImports');
  });

  it('allows the same import on the server side', () => {
    const output = lintAs(
      'lib/probe.ts',
      "import { KLAVIYO_REVISION } from '@/lib/klaviyo-next/api/revision';\nexport const probe = KLAVIYO_REVISION;\n",
    );
    expect(output).toBe('');
  });
});
