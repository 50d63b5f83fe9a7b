import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Benchmarks run on their own (`npm run bench -- NAME`, never part of `npm test`), so what they drive
 * lives in bench/ (bench/lib, and bench/client-app for the client bundle); tests may reuse it, never
 * the other way round. Every module specifier in bench/ (relative or `@/`) must resolve outside tests/.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const BENCH = join(ROOT, 'bench');

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|tsx|mts)$/.test(entry.name) ? [path] : [];
  });

/** `from '…'`, `import '…'` and `import('…')`, as written. */
const specifiers = (source: string): string[] =>
  [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '');

function resolved(file: string, specifier: string): string | undefined {
  if (specifier.startsWith('.')) return resolve(dirname(file), specifier);
  if (specifier.startsWith('@/')) return join(ROOT, specifier.slice(2));
  return undefined; // a package
}

describe('bench/ is self-contained', () => {
  it('finds the benchmarks and their imports', () => {
    const files = sources(BENCH).map((f) => relative(ROOT, f));
    expect(files).toEqual(
      expect.arrayContaining(['bench/checkout.ts', 'bench/client.ts', 'bench/delivery.ts']),
    );
    expect(specifiers("import { a } from './lib/x.js';\nawait import('../tests/y.js');")).toEqual([
      './lib/x.js',
      '../tests/y.js',
    ]);
  });

  it('imports nothing from tests/', () => {
    const intoTests = sources(BENCH).flatMap((file) =>
      specifiers(readFileSync(file, 'utf8'))
        .filter((s) => resolved(file, s)?.startsWith(`${join(ROOT, 'tests')}/`))
        .map((s) => `${relative(ROOT, file)} imports ${s}`),
    );
    expect(intoTests).toEqual([]);
  });

  it('builds and reads nothing under tests/ either (a path built from string literals)', () => {
    // bench/client.ts once built tests/fixtures/onsite-app: join(dirname, '..', 'tests', 'fixtures', …).
    const literals = (source: string) =>
      [...source.replace(/^\s*(\/\/|\*|\/\*).*$/gm, '').matchAll(/(['"`])([^'"`\n]*)\1/g)].map((m) => m[2]);
    const pointsIntoTests = (literal = '') => /^(\.\.\/)*tests(\/|$)/.test(literal);
    const found = sources(BENCH).flatMap((file) =>
      literals(readFileSync(file, 'utf8'))
        .filter(pointsIntoTests)
        .map((literal) => `${relative(ROOT, file)}: '${literal}'`),
    );
    expect(found).toEqual([]);
    expect(literals("join(dir, '..', 'tests', 'fixtures')").filter(pointsIntoTests)).toEqual(['tests']);
  });
});
