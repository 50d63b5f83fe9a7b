/**
 * The Klaviyo API revision every request is pinned to (the `revision` header). It must equal the
 * spec the types were generated from; tests/unit/klaviyo-revision.test.ts checks both.
 */
export const KLAVIYO_REVISION = '2026-07-15';
