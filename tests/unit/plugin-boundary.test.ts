import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LintDiagnostic, lintProbes } from '../support/biome-lint';
import {
  boundaryViolations,
  browserLeaks,
  declaredPackages,
  formatViolations,
  importsOf,
  isNodeBuiltin,
  isPluginPath,
  optionalPackages,
  PLUGIN_FOLDERS,
  PLUGIN_MANIFEST,
  packageName,
  readPluginFiles,
  runtimeChains,
  type SourceText,
  targetPath,
} from '../support/plugin-imports';

/**
 * The plugin is three folders a merchant copies into their own store unedited (issue 11). They
 * may import each other and the npm packages lib/klaviyo-next/package.json declares, nothing of
 * the demo store. Two guards: the Biome rule (in the editor and `npm run lint`) and this walk over
 * every import, which also covers what the lint globs cannot (dynamic imports' targets, CSS
 * Modules, undeclared packages, deeper folders). Each guard is shown refusing a demo import.
 */

const ROOT = process.cwd();
const manifest = readFileSync(PLUGIN_MANIFEST, 'utf8');
const declared = declaredPackages(manifest);
const files = readPluginFiles(ROOT);

describe('the plugin folders import nothing outside themselves', () => {
  it('every relative and @/ import lands inside the plugin folders; every package is declared', () => {
    const violations = boundaryViolations(files, declared);
    expect(formatViolations(violations), 'imports that escape the plugin').toBe('');
  });

  it('lib/klaviyo-next/package.json declares exactly the packages the plugin imports', () => {
    const imported = new Set(
      files
        .flatMap(importsOf)
        .filter((ref) => targetPath(ref.file, ref.specifier) === undefined && !isNodeBuiltin(ref.specifier))
        .map((ref) => packageName(ref.specifier)),
    );
    const unused = [...declared].filter((name) => !imported.has(name));
    expect(unused, 'declared but never imported').toEqual([]);
  });

  it('the demo app installs every package the plugin declares (so the copy test can link them)', () => {
    const app = JSON.parse(readFileSync('package.json', 'utf8')) as Record<string, Record<string, string>>;
    const installed = new Set([
      ...Object.keys(app.dependencies ?? {}),
      ...Object.keys(app.devDependencies ?? {}),
    ]);
    expect([...declared].filter((name) => !installed.has(name))).toEqual([]);
  });

  it('an optional package loads only with its own adapter, never through the entry points', () => {
    // A store on Drizzle must be able to import the plugin without pg or the native better-sqlite3
    // installed: index.ts and browser.ts may reach them through type-only imports alone, and the host
    // imports the adapter it picks (e.g. lib/klaviyo-next/sql/postgres) by its own path.
    const optional = optionalPackages(manifest);
    const entries = ['lib/klaviyo-next/index.ts', 'lib/klaviyo-next/browser.ts'];
    const chains = runtimeChains(files, entries, (specifier) => optional.has(packageName(specifier)));
    expect(chains.join('\n'), 'runtime import chains from an entry point to an optional package').toBe('');
  });

  it('browser code (components/klaviyo*, browser.ts) reaches no server-only module at runtime', () => {
    expect(browserLeaks(files).join('\n'), 'runtime import chains from browser code to server code').toBe('');
  });
});

describe('the import walk refuses a demo import', () => {
  const demo: SourceText = {
    path: 'lib/klaviyo-next/relay/demo.ts',
    text: [
      "import { demoStorefront } from '../../store/storefront';", // 1
      "import { env } from '@/lib/env';", // 2
      "import type { Order } from '@/lib/store/orders/records';", // 3
      "export * from '../../app/database';", // 4
      "export type { Shopper } from '@/components/store/account';", // 5
      "const lazy = () => import('../../store/catalog');", // 6
      "type Cart = import('@/lib/store/cart').Cart;", // 7
      "import _ from 'lodash';", // 8
      "import { trackEvent } from '../events/event';", // 9: inside, allowed
      "import { enqueue } from '@/lib/klaviyo-next/outbox';", // 10: allowed
      "import { useKlaviyo } from '@/components/klaviyo';", // 11: allowed
      "import { createHash } from 'node:crypto';", // 12: allowed
      "import { z } from 'zod';", // 13: allowed
      'const computed = (name: string) => import(name);', // 14
      'export { demoStorefront, env, lazy, trackEvent, enqueue, useKlaviyo, createHash, z, computed, _ };',
      'export type { Order, Cart };',
    ].join('\n'),
  };
  const css: SourceText = {
    path: 'components/klaviyo-admin/ui/demo.module.css',
    text: ".a {\n  composes: b from '../../store/theme.module.css';\n}\n@import '../ui.module.css';\n",
  };

  it('names file:line and the specifier of each escape, and nothing else', () => {
    const found = boundaryViolations([demo, css], declared).map((v) => `${v.file}:${v.line} ${v.specifier}`);
    expect(found).toEqual([
      'lib/klaviyo-next/relay/demo.ts:1 ../../store/storefront',
      'lib/klaviyo-next/relay/demo.ts:2 @/lib/env',
      'lib/klaviyo-next/relay/demo.ts:3 @/lib/store/orders/records',
      'lib/klaviyo-next/relay/demo.ts:4 ../../app/database',
      'lib/klaviyo-next/relay/demo.ts:5 @/components/store/account',
      'lib/klaviyo-next/relay/demo.ts:6 ../../store/catalog',
      'lib/klaviyo-next/relay/demo.ts:7 @/lib/store/cart',
      'lib/klaviyo-next/relay/demo.ts:8 lodash',
      'lib/klaviyo-next/relay/demo.ts:14 ',
      'components/klaviyo-admin/ui/demo.module.css:2 ../../store/theme.module.css',
    ]);
    expect(formatViolations(boundaryViolations([demo], declared))).toContain(
      "lib/klaviyo-next/relay/demo.ts:1 imports '../../store/storefront': resolves to lib/store/storefront, outside the plugin folders",
    );
  });

  describe('in a copy of the real plugin folders', () => {
    let copy: string;
    beforeAll(() => {
      copy = mkdtempSync(join(tmpdir(), 'plugin-boundary-'));
      for (const folder of PLUGIN_FOLDERS) cpSync(folder, join(copy, folder), { recursive: true });
    });
    afterAll(() => rmSync(copy, { recursive: true, force: true }));

    it('one added demo import shows up, with its file and line', () => {
      const before = formatViolations(boundaryViolations(readPluginFiles(copy), declared));
      writeFileSync(
        join(copy, 'lib/klaviyo-next/events/demo-leak.ts'),
        "export const x = 1;\nexport { demoStorefront } from '../../store/storefront';\n",
      );
      const after = formatViolations(boundaryViolations(readPluginFiles(copy), declared));
      expect(before).not.toContain('demo-leak');
      expect(after).toContain(
        "lib/klaviyo-next/events/demo-leak.ts:2 imports '../../store/storefront': resolves to lib/store/storefront",
      );
    });
  });

  it('browser code importing a server module at runtime is a leak; a type-only import is not', () => {
    const server: SourceText = {
      path: 'lib/klaviyo-next/outbox/demo.ts',
      text: "import 'server-only';\nexport type Message = { id: string };\nexport const enqueue = 1;\n",
    };
    const typeOnly: SourceText = {
      path: 'components/klaviyo/types-only.tsx',
      text: "import type { Message } from '@/lib/klaviyo-next/outbox/demo';\nexport type M = Message;\n",
    };
    const runtime: SourceText = {
      path: 'components/klaviyo/runtime.tsx',
      text: "import { x } from './helper';\nexport const y = x;\n",
    };
    const helper: SourceText = {
      path: 'components/klaviyo/helper.ts',
      text: "export { enqueue as x } from '../../lib/klaviyo-next/outbox/demo';\n",
    };
    expect(browserLeaks([server, typeOnly])).toEqual([]);
    expect(browserLeaks([server, runtime, helper])).toEqual([
      "components/klaviyo/runtime.tsx → components/klaviyo/helper.ts → lib/klaviyo-next/outbox/demo.ts:1 → 'server-only'",
    ]);
  });
});

describe('the Biome rule refuses a demo import', () => {
  // Probe files at each folder depth the plugin uses; each import on its own line.
  const probes: Record<string, string[]> = {
    'lib/klaviyo-next/probe.ts': [
      "import { env } from '../env';",
      "import { a } from './relay/track';",
      "import { b } from '@/lib/app/database';",
    ],
    'lib/klaviyo-next/relay/probe.ts': [
      "import { demoStorefront } from '../../store/storefront';",
      "import { c } from '../events/browse';",
      "import { d } from '@/lib/store/catalog';",
      "import { e } from '@/lib/klaviyo-next/outbox';",
      "import { f } from '@/components/klaviyo';",
      "export { g } from '../../env';",
      "const h = () => import('@/lib/env');",
    ],
    'lib/klaviyo-next/outbox/deliver/probe.ts': [
      "import { i } from '../../../app/klaviyo';",
      "import { j } from '../../api/client';",
      "import type { K } from '@/components/store/cart';",
    ],
    'lib/klaviyo-next/browser.ts': [
      "import { l } from './events/browse';",
      "import { m } from './outbox/types';",
      "import 'server-only';",
    ],
    'components/klaviyo/probe.tsx': [
      "import { n } from '@/lib/klaviyo-next/browser';",
      "import { o } from '@/lib/klaviyo-next/outbox';",
      "import { p } from '@/lib/store/storefront';",
      "import { q } from '../store/cart-button';",
      "import { r } from './use-klaviyo';",
      "import { s } from '@/components/klaviyo-admin/ui/layout';",
    ],
    'components/klaviyo-admin/views/probe.tsx': [
      "import { t } from '../../admin/shell';",
      "import { u } from '../ui/layout';",
      "import { v } from '@/lib/klaviyo-next/dashboard/contracts';",
      "import { w } from '@/lib/klaviyo-next/sql';",
    ],
  };
  // path:line of every probe import the rule must refuse; every other line must pass.
  const refused = [
    'lib/klaviyo-next/probe.ts:1',
    'lib/klaviyo-next/probe.ts:3',
    'lib/klaviyo-next/relay/probe.ts:1',
    'lib/klaviyo-next/relay/probe.ts:3',
    'lib/klaviyo-next/relay/probe.ts:6',
    'lib/klaviyo-next/relay/probe.ts:7',
    'lib/klaviyo-next/outbox/deliver/probe.ts:1',
    'lib/klaviyo-next/outbox/deliver/probe.ts:3',
    'lib/klaviyo-next/browser.ts:2',
    'lib/klaviyo-next/browser.ts:3',
    'components/klaviyo/probe.tsx:2',
    'components/klaviyo/probe.tsx:3',
    'components/klaviyo/probe.tsx:4',
    'components/klaviyo-admin/views/probe.tsx:1',
    'components/klaviyo-admin/views/probe.tsx:4',
  ];
  let diagnostics: LintDiagnostic[];
  beforeAll(() => {
    diagnostics = lintProbes(
      Object.fromEntries(Object.entries(probes).map(([path, lines]) => [path, `${lines.join('\n')}\n`])),
    );
  });

  it('reports noRestrictedImports on exactly the imports that leave the plugin or cross the browser fence', () => {
    const found = diagnostics.map((d) => `${d.path}:${d.line}`).sort();
    expect(found).toEqual([...refused].sort());
    expect(new Set(diagnostics.map((d) => d.category))).toEqual(new Set(['lint/style/noRestrictedImports']));
  });

  it('says why: the plugin is copied unedited, browser code goes through browser.ts', () => {
    const message = (at: string) => diagnostics.find((d) => `${d.path}:${d.line}` === at)?.message ?? '';
    expect(message('lib/klaviyo-next/relay/probe.ts:1')).toContain('copied into other stores unedited');
    expect(message('components/klaviyo/probe.tsx:2')).toContain('@/lib/klaviyo-next/browser');
  });

  it("covers every plugin file: each sits at a folder depth one of biome.json's overrides includes", () => {
    const config = JSON.parse(readFileSync('biome.json', 'utf8')) as {
      overrides: {
        includes?: string[];
        linter?: { rules?: { style?: { noRestrictedImports?: unknown } } };
      }[];
    };
    const globs = config.overrides
      .filter((o) => o.linter?.rules?.style?.noRestrictedImports)
      .flatMap((o) => o.includes ?? [])
      .filter((glob) => PLUGIN_FOLDERS.some((folder) => glob.startsWith(`${folder}/`)))
      .map((glob) => new RegExp(`^${glob.replaceAll('.', '\\.').replaceAll('*', '[^/]*')}$`));
    const uncovered = files
      .map((file) => file.path)
      .filter((path) => /\.(ts|tsx|mjs|js)$/.test(path) && isPluginPath(path))
      .filter((path) => !globs.some((glob) => glob.test(path)));
    expect(uncovered, 'add an override for this folder depth to biome.json').toEqual([]);
  });
});
