/**
 * The marketing consent texts the storefront shows beside its checkboxes. Forms send back the
 * version they showed; the server records this exact text with the consent, so what a shopper agreed
 * to can be proven later. Changing a text means a new version. Browser-safe: forms render from here.
 */
export const CONSENT_DISCLOSURES = {
  email: {
    version: 'email-2026-07',
    text: 'Email me news, offers and restock alerts from Northwind Goods. You can unsubscribe at any time.',
  },
  sms: {
    version: 'sms-2026-07',
    text:
      'Text me marketing offers from Northwind Goods at the number provided, including by autodialer. ' +
      'Consent is not a condition of purchase. Msg frequency varies. Msg & data rates may apply. ' +
      'Reply HELP for help, STOP to cancel.',
  },
} as const;

export type ConsentDisclosure = (typeof CONSENT_DISCLOSURES)[keyof typeof CONSENT_DISCLOSURES];
