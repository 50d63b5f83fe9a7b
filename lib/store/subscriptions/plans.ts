import type { SubscriptionSnapshot } from '../../klaviyo-next/events/subscriptions';

/**
 * The demo store's subscribe-and-save plans: a few everyday products a shopper can have sent again
 * every period, at a discount on the one-off price. Any variant of the plan's product may be chosen.
 * Plans live in code like the catalog; a subscription keeps the plan id and the price it was started
 * at, so changing a plan here never reprices a running subscription.
 */
export interface SubscriptionPlan {
  id: string;
  productId: string;
  name: string;
  interval: SubscriptionSnapshot['interval'];
  intervalCount: number;
  discountPercent: number;
}

export const SUBSCRIPTION_PLANS: readonly SubscriptionPlan[] = [
  {
    id: 'tee-quarterly',
    productId: 'organic-cotton-tee',
    name: 'Fresh tee every 3 months',
    interval: 'month',
    intervalCount: 3,
    discountPercent: 10,
  },
  {
    id: 'tee-monthly',
    productId: 'organic-cotton-tee',
    name: 'Fresh tee every month',
    interval: 'month',
    intervalCount: 1,
    discountPercent: 15,
  },
  {
    id: 'towel-half-yearly',
    productId: 'waffle-bath-towel',
    name: 'New towels every 6 months',
    interval: 'month',
    intervalCount: 6,
    discountPercent: 10,
  },
  {
    id: 'sheets-yearly',
    productId: 'percale-sheet-set',
    name: 'New sheets every year',
    interval: 'year',
    intervalCount: 1,
    discountPercent: 10,
  },
];

export const planById = (id: string) => SUBSCRIPTION_PLANS.find((p) => p.id === id);
export const plansForProduct = (productId: string) =>
  SUBSCRIPTION_PLANS.filter((p) => p.productId === productId);

/** The per-period price of `quantity` at the plan's discount, in cents (rounded to the cent). */
export const recurringCents = (plan: SubscriptionPlan, unitCents: number, quantity: number) =>
  Math.round((unitCents * quantity * (100 - plan.discountPercent)) / 100);

/** The instant one period after `fromMs` (calendar months and years in UTC, so the 31st stays late in the month). */
export function nextPeriod(
  fromMs: number,
  plan: Pick<SubscriptionPlan, 'interval' | 'intervalCount'>,
): number {
  const d = new Date(fromMs);
  const n = plan.intervalCount;
  if (plan.interval === 'day') d.setUTCDate(d.getUTCDate() + n);
  else if (plan.interval === 'week') d.setUTCDate(d.getUTCDate() + 7 * n);
  else if (plan.interval === 'month') d.setUTCMonth(d.getUTCMonth() + n);
  else d.setUTCFullYear(d.getUTCFullYear() + n);
  return d.getTime();
}
