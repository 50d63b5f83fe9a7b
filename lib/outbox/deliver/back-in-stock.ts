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
        // The subscription's profile takes identifiers only (ProfileIdentifierDTO: email, phone_number,
        // external_id); Klaviyo refuses any other attribute, a name or an exchange id among them.
        profile: {
          data: {
            type: 'profile',
            attributes: {
              ...(profile.email ? { email: profile.email } : {}),
              ...(profile.phone_number ? { phone_number: profile.phone_number } : {}),
              ...(profile.external_id ? { external_id: profile.external_id } : {}),
            },
          },
        },
      });
      outcomes.set(record.id, DELIVERED);
    } catch (error) {
      outcomes.set(record.id, failed(error, 'create_back_in_stock_subscription'));
    }
  });
  return outcomes;
}
