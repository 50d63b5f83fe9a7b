import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { encode } from 'next-auth/jwt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithChromium } from '../support/requirements.js';
import { ADMIN, type AdminStack, ROOT, startAdminStack } from './admin-app.js';

/**
 * Every admin page, route handler and server action refuses a request without a merchant session,
 * over HTTP against the production build. Pages are found in app/(admin), handlers (and their
 * methods) in app/api/admin, actions in the build's server-reference manifest, cross-checked against
 * the `export`s of the actions files, so nothing added later escapes the test.
 *
 * Refused: no cookie; a forged session cookie (past proxy.ts, so the page's own check answers); a
 * session token signed with another secret; the cookies of a wrong-password sign-in. A real sign-in
 * is the control: the same requests then succeed, so the refusals are the session checks at work.
 */
type Jar = Record<string, string>;
interface Entry {
  kind: 'page' | 'route' | 'action';
  name: string;
  request: (jar: Jar) => Promise<Response>;
}

const cookieHeader = (jar: Jar) =>
  Object.entries(jar)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');

function absorb(jar: Jar, response: Response): Jar {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const at = pair?.indexOf('=') ?? -1;
    if (pair && at > 0) jar[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return jar;
}

function walk(dir: string, name: RegExp): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return walk(path, name);
    return name.test(entry) ? [path] : [];
  });
}

/** `app/(admin)/admin/(dashboard)/lists/[id]/page.tsx` → `/admin/lists/<id>`. */
function urlPath(file: string, ids: Record<string, string>): string {
  const segments = relative(join(ROOT, 'app'), file).split('/').slice(0, -1);
  return `/${segments
    .filter((s) => !/^\(.*\)$/.test(s))
    .map((s, i, all) => (s === '[id]' ? (ids[all[i - 1] ?? ''] ?? 'AbC123') : s))
    .join('/')}`;
}

describeWithChromium('admin access control', () => {
  let stack: AdminStack;
  let base: string;
  const entries: Entry[] = [];
  const ids: Record<string, string> = {};
  const jars: Record<string, () => Jar> = {};
  let merchant: Jar;

  /** The credentials sign-in exactly as next-auth's client does it; returns the cookie jar it leaves. */
  async function signIn(password: string): Promise<Jar> {
    const jar: Jar = {};
    const csrf = await fetch(`${base}/api/auth/csrf`);
    absorb(jar, csrf);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const response = await fetch(`${base}/api/auth/callback/credentials`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
      body: new URLSearchParams({
        csrfToken,
        email: ADMIN.email,
        password,
        callbackUrl: `${base}/admin`,
        json: 'true',
      }),
    });
    return absorb(jar, response);
  }

  beforeAll(async () => {
    stack = await startAdminStack();
    base = stack.app.url;
    const lists = await stack.emu.api('/api/lists');
    const segments = await stack.emu.api('/api/segments');
    ids.lists = lists.body.data[0].id;
    ids.segments = segments.body.data[0].id;

    for (const file of walk(join(ROOT, 'app/(admin)'), /^page\.tsx$/)) {
      if (file.includes('/sign-in/')) continue;
      const path = urlPath(file, ids);
      entries.push({
        kind: 'page',
        name: `page ${path}`,
        request: (jar) =>
          fetch(`${base}${path}`, { redirect: 'manual', headers: { cookie: cookieHeader(jar) } }),
      });
    }
    for (const file of walk(join(ROOT, 'app/api/admin'), /^route\.ts$/)) {
      const path = urlPath(file, ids);
      // A handler written out (`export async function GET`) or taken from the plugin
      // (`export const { GET } = app.klaviyo.routes.dashboard.lists`).
      const source = readFileSync(file, 'utf8');
      const methods = [
        ...[...source.matchAll(/export (?:async )?function (GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) => m[1]),
        ...[...source.matchAll(/export const \{([^}]*)\}/g)].flatMap((m) =>
          (m[1] ?? '').split(',').map((name) => name.trim()),
        ),
      ].filter((method) => ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method ?? ''));
      for (const method of methods) {
        entries.push({
          kind: 'route',
          name: `${method} ${path}`,
          request: (jar) =>
            fetch(`${base}${path}`, {
              method,
              redirect: 'manual',
              headers: { cookie: cookieHeader(jar), 'content-type': 'application/json', origin: base },
              ...(method === 'GET' ? {} : { body: '{}' }),
            }),
        });
      }
    }
    const manifest = JSON.parse(
      readFileSync(join(ROOT, '.next/server/server-reference-manifest.json'), 'utf8'),
    ) as {
      node: Record<string, { filename?: string; exportedName?: string; workers: Record<string, unknown> }>;
    };
    for (const [id, action] of Object.entries(manifest.node)) {
      if (!action.filename?.startsWith('app/(admin)/')) continue;
      const worker = Object.keys(action.workers)[0] ?? '';
      const path = urlPath(join(ROOT, `${worker}.tsx`), ids);
      entries.push({
        kind: 'action',
        name: `action ${action.exportedName} (${action.filename})`,
        // What the React client sends for `action({ ... })`: the arguments as JSON, the action's id in a header.
        request: (jar) =>
          fetch(`${base}${path}`, {
            method: 'POST',
            redirect: 'manual',
            headers: {
              cookie: cookieHeader(jar),
              accept: 'text/x-component',
              'content-type': 'text/plain;charset=UTF-8',
              'next-action': id,
              origin: base,
            },
            body: JSON.stringify([{ bogus: true }]),
          }),
      });
    }

    const wrongPassword = await signIn('not the password');
    merchant = await signIn(ADMIN.password);
    const otherSecret = await encode({
      token: { sub: 'admin:x', email: ADMIN.email, role: 'merchant' },
      secret: 'a-different-secret-of-at-least-32-characters',
    });
    jars['no cookie'] = () => ({});
    jars['a forged session cookie'] = () => ({ 'next-auth.session-token': 'forged' });
    jars['a token signed with another secret'] = () => ({ 'next-auth.session-token': otherSecret });
    jars['the cookies of a wrong-password sign-in'] = () => ({ ...wrongPassword });
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('enumerates every admin page, route handler and server action', () => {
    const byKind = (kind: Entry['kind']) => entries.filter((e) => e.kind === kind).map((e) => e.name);
    expect(byKind('page').length).toBeGreaterThanOrEqual(9);
    expect(byKind('route').length).toBeGreaterThanOrEqual(9);
    // The build's actions are exactly the exports of the admin's server-action files (a file whose
    // first line is 'use server': actions.ts, customers/erase-action.ts, ...).
    const actionFiles = walk(join(ROOT, 'app/(admin)'), /\.tsx?$/).filter((file) =>
      /^['"]use server['"]/.test(readFileSync(file, 'utf8')),
    );
    const exported = actionFiles.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/^export (?:const|async function) (\w+)/gm)].map(
        (m) => `action ${m[1]} (${relative(ROOT, file)})`,
      ),
    );
    expect(byKind('action').sort()).toEqual(exported.sort());
    expect(exported.length).toBeGreaterThanOrEqual(7);
  });

  it('a wrong password yields no session cookie', async () => {
    const wrong = jars['the cookies of a wrong-password sign-in']?.() ?? {};
    expect(Object.keys(wrong).some((k) => k.includes('session-token'))).toBe(false);
    expect(Object.keys(merchant).some((k) => k.includes('session-token'))).toBe(true);
  });

  it.each([
    'no cookie',
    'a forged session cookie',
    'a token signed with another secret',
    'the cookies of a wrong-password sign-in',
  ])(
    'refuses every entry point with %s',
    async (how) => {
      const jar = jars[how]?.() ?? {};
      const failures: string[] = [];
      for (const entry of entries) {
        const response = await entry.request(jar);
        const body = await response.text();
        if (entry.kind === 'page') {
          const location = response.headers.get('location') ?? '';
          if (response.status !== 307 || !location.includes('/admin/sign-in') || body.includes('Sign out'))
            failures.push(`${entry.name}: ${response.status} ${location}`);
        } else if (entry.kind === 'route') {
          // Route errors are { error: { message } }; the 401 status says it is a missing session.
          if (response.status !== 401 || !body.startsWith('{"error":'))
            failures.push(`${entry.name}: ${response.status} ${body.slice(0, 120)}`);
        } else if (!body.includes('"unauthenticated"') || body.includes('"ok":true')) {
          failures.push(`${entry.name}: ${response.status} ${body.slice(0, 200)}`);
        }
      }
      expect(failures).toEqual([]);
    },
    120_000,
  );

  it('lets the signed-in merchant through the same entry points (the control)', async () => {
    const failures: string[] = [];
    for (const entry of entries) {
      const response = await entry.request(merchant);
      const body = await response.text();
      const passed =
        entry.kind === 'page'
          ? response.status === 200 && body.includes('Sign out')
          : entry.kind === 'route'
            ? response.status !== 401 && response.status !== 403
            : !body.includes('"unauthenticated"') && body.includes('"ok"');
      if (!passed) failures.push(`${entry.name}: ${response.status} ${body.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
