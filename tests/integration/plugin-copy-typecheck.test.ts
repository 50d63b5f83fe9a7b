import { readFileSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { declaredPackages, PLUGIN_FOLDERS, PLUGIN_MANIFEST } from '../support/plugin-imports';
import { makeProject, typecheck } from '../support/plugin-project';

/**
 * What a merchant does (issue 11): copy only the plugin folders into a project of their own and
 * install the packages lib/klaviyo-next/package.json declares. If any plugin file still imports
 * the demo store, the app's wiring or an undeclared package, the copy does not type-check.
 */

const declared = [...declaredPackages(readFileSync(PLUGIN_MANIFEST, 'utf8'))];
const projects: string[] = [];
afterAll(() => {
  for (const dir of projects) rmSync(dir, { recursive: true, force: true });
});

describe('the plugin folders alone, with only their declared packages', () => {
  it('type-check (strict, the repository compiler options)', () => {
    const dir = makeProject({ folders: PLUGIN_FOLDERS, packages: declared });
    projects.push(dir);
    const { status, output } = typecheck(dir);
    expect(status, `tsc --noEmit in the copy (${dir}):\n${output}`).toBe(0);
  }, 300_000);

  it('a demo import or an undeclared package does not resolve in the copy (the check can fail)', () => {
    // react-dom and lib/env.ts exist in this repository; in the copy they must not be found.
    const dir = makeProject({
      folders: [],
      packages: ['zod'],
      files: {
        'lib/klaviyo-next/probe.ts': [
          "import { env } from '@/lib/env';",
          "import { demoStorefront } from '../store/storefront';",
          "import { createPortal } from 'react-dom';",
          "import { z } from 'zod';",
          'export const probe = [env, demoStorefront, createPortal, z];',
          '',
        ].join('\n'),
      },
    });
    projects.push(dir);
    const { status, output } = typecheck(dir);
    expect(status).not.toBe(0);
    const unresolved = [...output.matchAll(/probe\.ts\((\d+),\d+\): error TS2307/g)].map((m) => Number(m[1]));
    expect(unresolved, output).toEqual([1, 2, 3]);
  }, 120_000);
});
