import type { Account } from '../store/account.js';
import type { Reply } from './context.js';
import { invalid } from './errors.js';

/**
 * The account controls of flows, back in stock and catalog jobs (see control.ts for the rest):
 *   GET    /__emulator/accounts/:id/flow-triggers -> { data: [{ flowId, flowName, metric?, listId?,
 *          profileId, eventId?, at }] }: who would have entered which live flow (store/flow-triggers.ts)
 *   GET    /__emulator/accounts/:id/back-in-stock-notifications -> { data: [{ variantId, profileId,
 *          channels, at }] }: what restocks sent to those waiting (store/back-in-stock.ts)
 *   POST   /__emulator/accounts/:id/catalog-faults {external_id, detail}: every later catalog bulk job
 *          entry for that external_id fails with a per-item error carrying `detail`
 *   DELETE /__emulator/accounts/:id/catalog-faults: no entry fails any more
 * Returns undefined for any other path, so control.ts goes on looking.
 */
export async function handleCatalogFlowControls(
  account: Account,
  method: string,
  sub: string | undefined,
  readBody: () => Promise<any>,
): Promise<Reply | undefined> {
  if (method === 'GET' && sub === 'flow-triggers') {
    return { status: 200, body: { data: account.flowTriggers.entries } };
  }
  if (method === 'GET' && sub === 'back-in-stock-notifications') {
    return { status: 200, body: { data: account.backInStock.notifications } };
  }
  if (sub !== 'catalog-faults') return undefined;
  if (method === 'DELETE') {
    account.catalogFaults.clear();
    return { status: 204 };
  }
  if (method === 'GET' || method === 'POST') {
    if (method === 'POST') {
      const { external_id: externalId, detail } = await readBody();
      for (const [name, value] of Object.entries({ external_id: externalId, detail })) {
        if (typeof value !== 'string' || value.trim() === '')
          throw invalid(`'${name}' must be a non-empty string.`);
      }
      account.catalogFaults.set(externalId, detail);
    }
    const data = [...account.catalogFaults].map(([external_id, detail]) => ({ external_id, detail }));
    return { status: 200, body: { data } };
  }
  return undefined;
}
