import { afterEach, describe, expect, it, vi } from 'vitest';
import { getJson, setDashboardPaths, unwrap } from '../../components/klaviyo-admin/api.js';

/**
 * The dashboard views fetch the host's mounted route handlers and send an ended session to the host's
 * sign-in page: both are wherever the host put them (QueryProvider's `paths`), not the demo's paths.
 */
describe('dashboard paths', () => {
  const requested: string[] = [];
  const assigned: string[] = [];
  const answer = (status: number, body: unknown) =>
    vi.fn(async (url: string) => {
      requested.push(url);
      return new Response(JSON.stringify(body), { status });
    });
  afterEach(() => {
    setDashboardPaths({ api: '/api/admin', signIn: '/admin/sign-in' });
    vi.unstubAllGlobals();
    requested.length = 0;
    assigned.length = 0;
  });
  const inBrowserAt = (pathname: string) =>
    vi.stubGlobal('window', { location: { pathname, assign: (to: string) => assigned.push(to) } });

  it("fetches under the host's prefix and sends an ended session to the host's sign-in", async () => {
    setDashboardPaths({ api: '/shop-admin/api', signIn: '/login?from=dashboard' });
    inBrowserAt('/shop-admin/lists');
    vi.stubGlobal('fetch', answer(200, { items: [] }));
    await getJson('/api/admin/lists/[id]'.replace('[id]', 'Xy12'), { cursor: 'c1', empty: '' });
    expect(requested).toEqual(['/shop-admin/api/lists/Xy12?cursor=c1']);

    vi.stubGlobal('fetch', answer(401, { error: { message: 'Sign in.' } }));
    await expect(getJson('/api/admin/lists')).rejects.toThrow('Sign in.');
    await expect(
      unwrap(Promise.resolve({ ok: false, error: { code: 'unauthenticated', message: 'x' } })),
    ).rejects.toThrow();
    expect(assigned).toEqual([
      '/login?from=dashboard&callbackUrl=%2Fshop-admin%2Flists',
      '/login?from=dashboard&callbackUrl=%2Fshop-admin%2Flists',
    ]);
  });

  it("keeps the demo's paths by default, and rewrites only the /api/admin prefix itself", async () => {
    inBrowserAt('/admin/lists');
    vi.stubGlobal('fetch', answer(401, {}));
    await expect(getJson('/api/admin/overview')).rejects.toThrow('Request failed (401).');
    expect(requested).toEqual(['/api/admin/overview']);
    expect(assigned).toEqual(['/admin/sign-in?callbackUrl=%2Fadmin%2Flists']);
    setDashboardPaths({ api: '/x' });
    vi.stubGlobal('fetch', answer(200, {}));
    await getJson('/api/administrators');
    expect(requested.at(-1)).toBe('/api/administrators');
  });
});
