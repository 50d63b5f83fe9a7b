export type AdminHandler = (
  request: Request,
  context: { params: Promise<{ id: string }> },
) => Promise<Response>;

/**
 * The route file of each `/api/admin/*` path. They are imported when a handler is first called, not
 * when this module loads: a route file takes its handler from the app's composition root, which reads
 * the settings a test stubs (the emulator's URL) only once it is built.
 */
const ROUTE_FILES: Record<string, () => Promise<{ GET: unknown }>> = {
  '/api/admin/campaigns': () => import('../../app/api/admin/campaigns/route.js'),
  '/api/admin/delivery': () => import('../../app/api/admin/delivery/route.js'),
  '/api/admin/flows': () => import('../../app/api/admin/flows/route.js'),
  '/api/admin/lists': () => import('../../app/api/admin/lists/route.js'),
  '/api/admin/lists/[id]': () => import('../../app/api/admin/lists/[id]/route.js'),
  '/api/admin/lists/[id]/members': () => import('../../app/api/admin/lists/[id]/members/route.js'),
  '/api/admin/overview': () => import('../../app/api/admin/overview/route.js'),
  '/api/admin/segments': () => import('../../app/api/admin/segments/route.js'),
  '/api/admin/segments/[id]': () => import('../../app/api/admin/segments/[id]/route.js'),
  '/api/admin/segments/[id]/members': () => import('../../app/api/admin/segments/[id]/members/route.js'),
  '/api/admin/settings': () => import('../../app/api/admin/settings/route.js'),
};

/** Every `/api/admin/*` route handler, by its path. */
export const ADMIN_ROUTES: [string, AdminHandler][] = Object.entries(ROUTE_FILES).map(([path, load]) => [
  path,
  async (request, context) => ((await load()).GET as AdminHandler)(request, context),
]);

/** The GET request a browser would send for `path` with this id and query; undefined when none can. */
export function adminRequest(path: string, id: string, query: Record<string, string>): Request | undefined {
  try {
    const url = new URL(`https://shop.test${path.replace('[id]', encodeURIComponent(id))}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return new Request(url);
  } catch {
    return undefined;
  }
}
