/** Where the store's sign-up forms are, sent as Klaviyo's `custom_source` with each consent. */
export const SUBSCRIBE_SOURCES = ['Newsletter footer', 'Account page'] as const;
