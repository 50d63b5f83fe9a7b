import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, posix } from 'node:path';
import ts from 'typescript';

/**
 * The plugin's import boundary, checked from source text: every module specifier in the plugin
 * folders must land inside them or name an npm package that lib/klaviyo-next/package.json declares.
 * Pure functions over (path, text) pairs, so a test can feed it a deliberately bad file as easily
 * as the real tree.
 */

/** The folders a merchant copies, relative to the repository root. */
export const PLUGIN_FOLDERS = ['lib/klaviyo-next', 'components/klaviyo', 'components/klaviyo-admin'] as const;

/** Where the plugin declares the npm packages it needs. */
export const PLUGIN_MANIFEST = 'lib/klaviyo-next/package.json';

/** A file by its repository-relative path with `/` separators. */
export interface SourceText {
  path: string;
  text: string;
}

export interface ImportRef {
  file: string;
  line: number;
  specifier: string;
  /** Erased when compiled (`import type`, `export type … from`, `import('x').T`): no runtime edge. */
  typeOnly: boolean;
}

export interface Violation {
  file: string;
  line: number;
  specifier: string;
  reason: string;
}

const SCRIPT = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
const CSS = /\.css$/;

export function isPluginPath(path: string): boolean {
  return PLUGIN_FOLDERS.some((folder) => path === folder || path.startsWith(`${folder}/`));
}

/** Every file of the plugin folders that can import something (scripts and stylesheets). */
export function readPluginFiles(root: string): SourceText[] {
  const files: SourceText[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (SCRIPT.test(entry.name) || CSS.test(entry.name)) {
        files.push({ path, text: readFileSync(join(root, path), 'utf8') });
      }
    }
  };
  for (const folder of PLUGIN_FOLDERS) walk(folder);
  return files;
}

/** The npm packages the plugin declares (peer, optional peer or plain dependencies). */
export function declaredPackages(manifestText: string): Set<string> {
  const manifest = JSON.parse(manifestText) as Record<string, Record<string, string> | undefined>;
  return new Set([
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...Object.keys(manifest.dependencies ?? {}),
  ]);
}

/** The packages marked optional: a host installs them only for the adapter it picks. */
export function optionalPackages(manifestText: string): Set<string> {
  const manifest = JSON.parse(manifestText) as {
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  };
  const meta = manifest.peerDependenciesMeta ?? {};
  return new Set(Object.keys(meta).filter((name) => meta[name]?.optional));
}

/** The module specifiers one file uses, with their lines. */
export function importsOf(file: SourceText): ImportRef[] {
  if (CSS.test(file.path)) return cssImports(file);
  if (SCRIPT.test(file.path)) return scriptImports(file);
  return [];
}

function scriptImports(file: SourceText): ImportRef[] {
  const kind = file.path.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true, kind);
  const refs: ImportRef[] = [];
  const add = (node: ts.Node, specifier: string, typeOnly: boolean) => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    refs.push({ file: file.path, line, specifier, typeOnly });
  };
  const literal = (node: ts.Node | undefined): string | undefined =>
    node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      // `import { type A }` stays an import under verbatimModuleSyntax (`import {} from`), so only
      // the whole-declaration `import type` counts as erased.
      add(node.moduleSpecifier, literal(node.moduleSpecifier) ?? '', node.importClause?.isTypeOnly ?? false);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node.moduleSpecifier, literal(node.moduleSpecifier) ?? '', node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, literal(node.moduleReference.expression) ?? '', node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, literal(node.argument.literal) ?? '', true);
    } else if (ts.isCallExpression(node)) {
      const dynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const requireCall = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (dynamicImport || requireCall) {
        // A computed specifier cannot be checked; it is reported as the empty string.
        add(node, literal(node.arguments[0]) ?? '', false);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);

  for (const ref of source.referencedFiles) refs.push(directive(source, file.path, ref, './'));
  for (const ref of source.typeReferenceDirectives) refs.push(directive(source, file.path, ref, ''));
  return refs;
}

/** `/// <reference path>` is a relative file; `/// <reference types>` a package. */
function directive(source: ts.SourceFile, file: string, ref: ts.FileReference, prefix: string): ImportRef {
  const line = source.getLineAndCharacterOfPosition(ref.pos).line + 1;
  const name = prefix && !ref.fileName.startsWith('.') ? `${prefix}${ref.fileName}` : ref.fileName;
  return { file, line, specifier: name, typeOnly: true };
}

/** `@import 'x'`, `@import url(x)` and CSS Modules' `composes: a from 'x'`. */
function cssImports(file: SourceText): ImportRef[] {
  const refs: ImportRef[] = [];
  const patterns = [
    /@import\s+(?:url\(\s*)?['"]?([^'")\s;]+)/g,
    /composes\s*:[^;]*?\bfrom\s+['"]([^'"]+)['"]/g,
  ];
  for (const pattern of patterns) {
    for (const match of file.text.matchAll(pattern)) {
      const line = file.text.slice(0, match.index).split('\n').length;
      const specifier = match[1] ?? '';
      // A bare `@import 'x.css'` is relative in CSS, unlike in JavaScript.
      const relative =
        /^[./]|^[a-z]+:/i.test(specifier) || specifier.startsWith('@/') ? specifier : `./${specifier}`;
      refs.push({ file: file.path, line, specifier: relative, typeOnly: false });
    }
  }
  return refs;
}

/** The repository-relative path a relative or `@/` specifier names, or undefined for a package. */
export function targetPath(fromFile: string, specifier: string): string | undefined {
  if (specifier === '.' || specifier === '..' || specifier.startsWith('./') || specifier.startsWith('../')) {
    return posix.normalize(posix.join(posix.dirname(fromFile), specifier));
  }
  if (specifier.startsWith('@/')) return posix.normalize(specifier.slice(2));
  if (specifier.startsWith('/')) return specifier;
  return undefined;
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

export function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || isBuiltin(specifier);
}

/** Every import in `files` that leaves the plugin folders or names an undeclared package. */
export function boundaryViolations(files: SourceText[], declared: ReadonlySet<string>): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    for (const ref of importsOf(file)) {
      const reason = refusal(ref, declared);
      if (reason) violations.push({ file: ref.file, line: ref.line, specifier: ref.specifier, reason });
    }
  }
  return violations;
}

function refusal(ref: ImportRef, declared: ReadonlySet<string>): string | undefined {
  if (ref.specifier === '') return 'computed specifier: the boundary cannot be checked';
  if (/^[a-z][a-z0-9+.-]*:/i.test(ref.specifier) && !ref.specifier.startsWith('node:')) {
    return 'URL import';
  }
  const target = targetPath(ref.file, ref.specifier);
  if (target !== undefined) {
    return isPluginPath(target) ? undefined : `resolves to ${target}, outside the plugin folders`;
  }
  if (isNodeBuiltin(ref.specifier)) return undefined;
  const name = packageName(ref.specifier);
  return declared.has(name) ? undefined : `npm package ${name} is not declared in ${PLUGIN_MANIFEST}`;
}

export function formatViolations(violations: Violation[]): string {
  return violations.map((v) => `${v.file}:${v.line} imports '${v.specifier}': ${v.reason}`).join('\n');
}

/**
 * Packages that only work on the server. Browser code reaching one of them through runtime imports
 * breaks the client bundle (`server-only` throws there by design) or ships server code to shoppers.
 */
const SERVER_ONLY = ['server-only', 'pg', 'better-sqlite3', 'drizzle-orm', 'next/headers', 'next/server'];

function isServerOnly(specifier: string): boolean {
  return (
    isNodeBuiltin(specifier) ||
    SERVER_ONLY.some((name) => specifier === name || specifier.startsWith(`${name}/`))
  );
}

/** The plugin's browser entry points: its components and lib/klaviyo-next/browser.ts. */
export function isBrowserRoot(path: string): boolean {
  return (
    SCRIPT.test(path) &&
    (path.startsWith('components/klaviyo/') ||
      path.startsWith('components/klaviyo-admin/') ||
      path === 'lib/klaviyo-next/browser.ts')
  );
}

const EXTENSIONS = ['', '.ts', '.tsx', '.mts', '.js', '.mjs', '/index.ts', '/index.tsx'];

/**
 * Runtime import chains from a browser entry point to a server-only module, one per offending
 * import, e.g. `components/klaviyo/x.tsx → lib/klaviyo-next/y.ts:3 → 'server-only'`.
 */
export function browserLeaks(files: SourceText[]): string[] {
  const roots = files.filter((file) => isBrowserRoot(file.path)).map((file) => file.path);
  return runtimeChains(files, roots, isServerOnly);
}

/**
 * Runtime import chains from `roots` to a package `isTarget` selects, one per offending import.
 * Type-only imports are not followed: they are erased before anything runs or is bundled.
 */
export function runtimeChains(
  files: SourceText[],
  roots: string[],
  isTarget: (specifier: string) => boolean,
): string[] {
  const byPath = new Map(files.map((file) => [file.path, file]));
  const resolve = (target: string) => EXTENSIONS.map((ext) => target + ext).find((path) => byPath.has(path));
  const chains: string[] = [];
  const reported = new Set<string>();
  for (const root of roots.filter((path) => byPath.has(path))) {
    const via = new Map<string, string[]>([[root, [root]]]);
    const queue = [root];
    for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
      const chain = via.get(path) ?? [path];
      for (const ref of importsOf(byPath.get(path) as SourceText)) {
        if (ref.typeOnly) continue;
        if (isTarget(ref.specifier)) {
          const key = `${path}:${ref.line}`;
          if (!reported.has(key)) {
            reported.add(key);
            chains.push(`${chain.join(' → ')}:${ref.line} → '${ref.specifier}'`);
          }
          continue;
        }
        const target = targetPath(path, ref.specifier);
        const next = target === undefined ? undefined : resolve(target);
        if (next && !via.has(next)) {
          via.set(next, [...chain, next]);
          queue.push(next);
        }
      }
    }
  }
  return chains;
}
