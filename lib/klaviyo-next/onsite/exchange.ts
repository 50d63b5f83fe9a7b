/**
 * The exchange token an email or SMS link carries (`?_kx=<token>.<company id>`,
 * docs/klaviyo-notes.md#exchange-ids).
 * A token minted for another account is ignored, as klaviyo.js ignores it.
 */
export function exchangeTokenFromSearch(search: string, companyId: string): string | undefined {
  const token = new URLSearchParams(search).get('_kx');
  return token?.endsWith(`.${companyId}`) ? token : undefined;
}
