import { type Context, type HandlerTable, ok } from '../core/context.js';
import { notFound } from '../core/errors.js';
import { toResource } from '../core/jsonapi.js';

/** The account a private key belongs to; get_accounts lists exactly that one. */
function renderAccount(ctx: Context) {
  const { account } = ctx;
  return toResource(ctx, 'account', account.id, {
    test_account: false,
    contact_information: {
      default_sender_name: account.name,
      default_sender_email: 'hello@northwind-goods.example',
      website_url: account.settings.url,
      organization_name: account.name,
      street_address: {
        address1: '125 Harbor Street',
        address2: null,
        city: 'Portland',
        region: 'ME',
        country: 'US',
        zip: '04101',
      },
    },
    industry: 'Apparel & Accessories',
    timezone: account.settings.timezone,
    preferred_currency: account.settings.currency,
    public_api_key: account.id,
    locale: 'en-US',
  });
}

export const accountHandlers: HandlerTable = {
  get_accounts: (ctx) => ok({ data: [renderAccount(ctx)], links: { self: `${ctx.baseUrl}/api/accounts/` } }),
  get_account: (ctx) => {
    if (ctx.params.id !== ctx.account.id) throw notFound(`Account '${ctx.params.id}' does not exist.`);
    return ok({
      data: renderAccount(ctx),
      links: { self: `${ctx.baseUrl}/api/accounts/${ctx.account.id}/` },
    });
  },
};
