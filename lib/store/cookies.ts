/** Browser cookies of the demo store; all httpOnly, so page scripts (and XSS) cannot read them. */
export const CART_COOKIE = 'nw_cart';
export { ORDER_ACCESS_COOKIE, ORDER_ACCESS_DAYS } from './order-access';
export { SHOPPER_SESSION_COOKIE, SHOPPER_SESSION_DAYS } from './shopper-session';

export const cookieOptions = (maxAgeDays: number, production: boolean) => ({
  httpOnly: true,
  secure: production,
  sameSite: 'lax' as const,
  path: '/',
  maxAge: maxAgeDays * 86_400,
});
