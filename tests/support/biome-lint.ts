import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface LintDiagnostic {
  /** Relative to the scratch root, i.e. the path the probe was written at. */
  path: string;
  line: number;
  category: string;
  message: string;
}

interface BiomeReport {
  diagnostics: {
    category?: string;
    message: string;
    location?: { path?: string; start?: { line: number } };
  }[];
}

/**
 * Lints probe files under this project's own biome.json, in a scratch folder laid out like the
 * repository (so the overrides' `includes` globs apply), and returns Biome's diagnostics. Nothing is
 * written into the working tree, where other work is going on.
 */
export function lintProbes(
  files: Record<string, string>,
  only = 'style/noRestrictedImports',
): LintDiagnostic[] {
  const biome = join(process.cwd(), 'node_modules/.bin/biome');
  const root = mkdtempSync(join(tmpdir(), 'biome-probe-'));
  try {
    copyFileSync('biome.json', join(root, 'biome.json'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const run = spawnSync(
      biome,
      [
        'lint',
        '--vcs-enabled=false',
        `--only=${only}`,
        '--reporter=json',
        '--max-diagnostics=none',
        ...Object.keys(files),
      ],
      { cwd: root, encoding: 'utf8' },
    );
    const json = run.stdout.slice(run.stdout.indexOf('{'));
    if (!json) throw new Error(`biome printed no report (exit ${run.status}):\n${run.stderr}`);
    const report = JSON.parse(json) as BiomeReport;
    return report.diagnostics.map((d) => ({
      path: d.location?.path ?? '',
      line: d.location?.start?.line ?? 0,
      category: d.category ?? '',
      message: d.message,
    }));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
