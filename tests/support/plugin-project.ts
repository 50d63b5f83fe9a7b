import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';

/**
 * An empty project holding copies of some repository folders (at the same relative paths, so the
 * `@/` alias means what it means here) and a node_modules of symlinks to exactly the named
 * packages, their DefinitelyTyped packages, @types/node and typescript. It lives under the system
 * temp directory, so module lookup cannot climb into this repository's node_modules; a package's
 * own dependencies still resolve from its real location, as they would in any install.
 */
export function makeProject(options: {
  folders: readonly string[];
  packages: Iterable<string>;
  files?: Record<string, string>;
}): string {
  const repo = process.cwd();
  const packages = [...options.packages];
  const links = new Set(['typescript', '@types/node']);
  for (const name of packages) {
    links.add(name);
    const types = `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;
    if (existsSync(join(repo, 'node_modules', types))) links.add(types);
  }
  const missing = [...links].filter((name) => !existsSync(join(repo, 'node_modules', name)));
  if (missing.length > 0)
    throw new Error(`not installed in this repository's node_modules: ${missing.join(', ')}`);

  const dir = mkdtempSync(join(tmpdir(), 'plugin-copy-'));
  for (const folder of options.folders) cpSync(join(repo, folder), join(dir, folder), { recursive: true });
  for (const [path, text] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  for (const name of links) {
    mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true });
    symlinkSync(join(repo, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
  }

  // The repository's compiler options, minus what only its own build uses (the Next.js language
  // service plugin, incremental build info).
  const { config } = ts.readConfigFile(join(repo, 'tsconfig.json'), ts.sys.readFile) as {
    config: { compilerOptions: Record<string, unknown> };
  };
  const { plugins: _plugins, incremental: _incremental, ...compilerOptions } = config.compilerOptions;
  const tsconfig = {
    compilerOptions: { ...compilerOptions, noEmit: true, paths: { '@/*': ['./*'] } },
    include: ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.mjs'],
    exclude: ['node_modules'],
  };
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  // What `next dev` writes into every Next.js project: Next's ambient types (CSS Modules, images).
  if (packages.includes('next')) {
    writeFileSync(
      join(dir, 'next-env.d.ts'),
      '/// <reference types="next" />\n/// <reference types="next/image-types/global" />\n',
    );
  }
  return dir;
}

/** `tsc --noEmit` in the project, with its own typescript link. */
export function typecheck(dir: string): { status: number | null; output: string } {
  const run = spawnSync(
    process.execPath,
    [join(dir, 'node_modules/typescript/bin/tsc'), '--noEmit', '--pretty', 'false', '-p', dir],
    { cwd: dir, encoding: 'utf8', timeout: 300_000 },
  );
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}
