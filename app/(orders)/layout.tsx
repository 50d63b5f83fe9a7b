/**
 * The order pages wear the storefront's shell, but sit outside `app/(store)`, whose `loading.tsx` is a
 * Suspense boundary: below one, the response is already streaming (200) before the page can call
 * `notFound()`. Here the access check runs before the first byte, so an order this browser may not
 * see answers a real 404, exactly like one that does not exist.
 */
export { default } from '../(store)/layout';
