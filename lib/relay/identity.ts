import 'server-only';
import { accountExchangeId, type ProfileIdentity } from '../tracking/identity';
import type { RelayDeps } from './deps';

/**
 * Who the browser is, from what the server can vouch for: Klaviyo's exchange id in the `__kla_id`
 * cookie and the store's shopper session. An email in a request body is never identity: anyone can
 * type anyone's address, and events would land on that person's profile.
 */
export async function shopperIdentity(
  cookies: Map<string, string>,
  deps: Pick<RelayDeps, 'storefront' | 'companyId'>,
): Promise<ProfileIdentity> {
  const identity: ProfileIdentity = {};
  const exchangeId = accountExchangeId(cookies.get('__kla_id'), deps.companyId);
  if (exchangeId) identity._kx = exchangeId;
  const token = cookies.get(deps.storefront.sessionCookie);
  const email = token ? await deps.storefront.shopperEmail(token) : undefined;
  if (email) identity.email = email;
  return identity;
}
