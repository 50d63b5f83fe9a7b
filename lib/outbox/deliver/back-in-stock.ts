import 'server-only';
import type { KlaviyoClient } from '../../klaviyo/client';
import { KlaviyoApiError } from '../../klaviyo/errors';
import { catalogId, catalogsResource } from '../../klaviyo/resources/catalogs';
import type { OutboxRecord } from '../types';
import { eachLimited, type Outcomes } from './outcome';

type BackInStockRecord = Extract<OutboxRecord, { kind: 'back-in-stock' }>;

/**
 * Back-in-stock subscriptions (create_back_in_stock_subscription, 350/s): the variant is named by
 * the catalog id Klaviyo gives the store's variant (`$custom:::$default:::<variant id>`).
 */
export async function deliverBackInStock(
  client: KlaviyoClient,
  records: readonly BackInStockRecord[],
): Promise<Outcomes> {
  const catalogs = catalogsResource(client);
  const outcomes: Outcomes = new Map();
  await eachLimited(records, 8, async (record) => {
    const { profile, variantId, channels } = record.payload;
    try {
      await catalogs.subscribeBackInStock({
        variantId: catalogId(variantId),
        channels,
        profile: { data: { type: 'profile', attributes: profile } },
      });
      outcomes.set(record.id, undefined);
    } catch (error) {
      if (!(error instanceof KlaviyoApiError)) throw error;
      outcomes.set(record.id, error);
    }
  });
  return outcomes;
}
