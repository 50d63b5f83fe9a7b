import 'server-only';
import { accountExchangeId, type ProfileIdentity } from '../events/identity';
import type { RelayDeps } from './deps';

/**
 * What a request's cookies tell the relay, and how far each fact can be trusted:
 * - `consented`: the shopper granted tracking (the store's banner cookie, through the Storefront port);
 * - `shopperEmail`: the email of a signed-in shopper whose email the store has verified. The one
 *   identifier the relay may write to a profile;
 * - `exchangeId`: Klaviyo's exchange id from the `__kla_id` cookie, parsed strictly and only when it
 *   names this account. Any browser can write that cookie, so it proves nothing: it can attach an
 *   event to whatever profile Klaviyo already ties to it, and never reaches a profile write.
 * An email, phone or exchange id in a request body is never identity.
 */
export interface Caller {
  consented: boolean;
  shopperEmail?: string;
  exchangeId?: string;
}

export async function callerOf(
  cookies: ReadonlyMap<string, string>,
  deps: Pick<RelayDeps, 'storefront' | 'companyId'>,
): Promise<Caller> {
  const token = cookies.get(deps.storefront.sessionCookie);
  const shopperEmail = token ? await deps.storefront.shopperEmail(token) : undefined;
  const exchangeId = accountExchangeId(cookies.get('__kla_id'), deps.companyId);
  return {
    consented: deps.storefront.trackingConsent(cookies),
    ...(shopperEmail ? { shopperEmail } : {}),
    ...(exchangeId ? { exchangeId } : {}),
  };
}

/**
 * Who a browser event is about: the verified shopper's email when there is one, otherwise the
 * exchange id alone. Never both: sending an email beside an exchange id asks Klaviyo to join them,
 * and a cookie (anyone's, copied from a link) must not decide which profile an email joins.
 */
export function eventIdentity(caller: Caller): ProfileIdentity {
  if (caller.shopperEmail) return { email: caller.shopperEmail };
  if (caller.exchangeId) return { _kx: caller.exchangeId };
  return {};
}
