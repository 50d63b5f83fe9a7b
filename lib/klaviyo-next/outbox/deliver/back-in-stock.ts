import 'server-only';
import type { KlaviyoClient } from '../../api/client';
import { catalogId } from '../../api/resources/catalogs';
import type { OutboxRecord } from '../types';
import type { RoundControl } from './index';
import { type Outcomes, sendEach } from './outcome';

type BackInStockRecord = Extract<OutboxRecord, { kind: 'back-in-stock' }>;

/**
 * Back-in-stock subscriptions (create_back_in_stock_subscription, 350/s): the variant is named by
 * the catalog id Klaviyo gives the store's variant (`$custom:::$default:::<variant id>`). The body is
 * catalogsResource's subscribeBackInStock, called here so the round's signal reaches the request.
 */
export async function deliverBackInStock(
  client: KlaviyoClient,
  records: readonly BackInStockRecord[],
  outcomes: Outcomes,
  control: RoundControl,
): Promise<Outcomes> {
  const send = (record: BackInStockRecord, signal: AbortSignal) => {
    const { profile, variantId, channels } = record.payload;
    return client.call('create_back_in_stock_subscription', {
      body: {
        data: {
          type: 'back-in-stock-subscription',
          attributes: {
            channels,
            // The subscription's profile takes identifiers only (ProfileIdentifierDTO: email,
            // phone_number, external_id); Klaviyo refuses any other attribute, a name or an exchange
            // id among them.
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
          },
          relationships: { variant: { data: { type: 'catalog-variant', id: catalogId(variantId) } } },
        },
      },
      signal,
    });
  };
  await sendEach(records, 8, outcomes, 'create_back_in_stock_subscription', send, control);
  return outcomes;
}
