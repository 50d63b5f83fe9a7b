import 'server-only';
import type { KlaviyoClient } from '../../api/client';
import { catalogId, catalogsResource } from '../../api/resources/catalogs';
import type { OutboxRecord } from '../types';
import { type Outcomes, sendEach } from './outcome';

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
  await sendEach(records, 8, outcomes, 'create_back_in_stock_subscription', (record) => {
    const { profile, variantId, channels } = record.payload;
    return catalogs.subscribeBackInStock({
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
  });
  return outcomes;
}
