import 'server-only';
import type { KlaviyoClient } from '../../klaviyo/client';
import { catalogId, catalogsResource } from '../../klaviyo/resources/catalogs';
import type { OutboxRecord } from '../types';
import { DELIVERED, eachLimited, failed, type Outcomes } from './outcome';

type BackInStockRecord = Extract<OutboxRecord, { kind: 'back-in-stock' }>;

/**
 * Back-in-stock subscriptions (create_back_in_stock_subscription, 350/s): the variant is named by
 * the catalog id Klaviyo gives the store's variant (`$custom:::$default:::<variant id>`).
 */
export async function deliverBackInStock(
  client: KlaviyoClient,
  records: readonly BackInStockRecord[],
  outcomes: Outcomes = new Map(),
): Promise<Outcomes> {
  const catalogs = catalogsResource(client);
  await eachLimited(records, 8, async (record) => {
    try {
      const { profile, variantId, channels } = record.payload;
      await catalogs.subscribeBackInStock({
        variantId: catalogId(variantId),
        channels,
        profile: { data: { type: 'profile', attributes: profile } },
      });
      outcomes.set(record.id, DELIVERED);
    } catch (error) {
      outcomes.set(record.id, failed(error, 'create_back_in_stock_subscription'));
    }
  });
  return outcomes;
}
