import { GET as campaigns } from '../../app/api/admin/campaigns/route.js';
import { GET as delivery } from '../../app/api/admin/delivery/route.js';
import { GET as flows } from '../../app/api/admin/flows/route.js';
import { GET as listMembers } from '../../app/api/admin/lists/[id]/members/route.js';
import { GET as list } from '../../app/api/admin/lists/[id]/route.js';
import { GET as lists } from '../../app/api/admin/lists/route.js';
import { GET as overview } from '../../app/api/admin/overview/route.js';
import { GET as segmentMembers } from '../../app/api/admin/segments/[id]/members/route.js';
import { GET as segment } from '../../app/api/admin/segments/[id]/route.js';
import { GET as segments } from '../../app/api/admin/segments/route.js';
import { GET as settings } from '../../app/api/admin/settings/route.js';

export type AdminHandler = (
  request: Request,
  context: { params: Promise<{ id: string }> },
) => Promise<Response>;

/** Every `/api/admin/*` route handler, by its path. */
export const ADMIN_ROUTES: [string, AdminHandler][] = [
  ['/api/admin/campaigns', campaigns as AdminHandler],
  ['/api/admin/delivery', delivery as AdminHandler],
  ['/api/admin/flows', flows as AdminHandler],
  ['/api/admin/lists', lists as AdminHandler],
  ['/api/admin/lists/[id]', list as AdminHandler],
  ['/api/admin/lists/[id]/members', listMembers as AdminHandler],
  ['/api/admin/overview', overview as AdminHandler],
  ['/api/admin/segments', segments as AdminHandler],
  ['/api/admin/segments/[id]', segment as AdminHandler],
  ['/api/admin/segments/[id]/members', segmentMembers as AdminHandler],
  ['/api/admin/settings', settings as AdminHandler],
];

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
