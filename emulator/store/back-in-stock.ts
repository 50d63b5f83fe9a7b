import { isoTime } from '../core/ids.js';

/** One notification Klaviyo would send when a variant someone waits for is restocked. */
export interface BackInStockNotification {
  variantId: string;
  profileId: string;
  channels: string[];
  at: string;
}

/**
 * The people waiting for each variant, and the notifications a restock sent them. Subscribing puts
 * the profile at the flow's back in stock delay; "When a product comes back into stock, you'll see
 * those waiting on this item move into the Moved to Next Step category" (Klaviyo help, "Understanding
 * how back in stock flows work"). For a custom catalog, stock is the variant's `inventory_quantity`
 * ("Inventory ($inventory_quantity): a number representing the stock available for a given item",
 * Klaviyo developer guide, "Enable back in stock for custom catalog feeds"): a restock is a write that
 * takes it from 0 or less to more than 0. Whoever was notified has left the waiting list; a later
 * restock notifies only those who subscribed since.
 */
export class BackInStockWaitlist {
  readonly notifications: BackInStockNotification[] = [];
  /** variant id -> profile id -> channels (a second subscription adds its channels). */
  private readonly waiting = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly now: () => number) {}

  subscribe(variantId: string, profileId: string, channels: string[]): void {
    const profiles = this.waiting.get(variantId) ?? new Map<string, Set<string>>();
    this.waiting.set(variantId, profiles);
    const held = profiles.get(profileId) ?? new Set<string>();
    for (const channel of channels) held.add(channel);
    profiles.set(profileId, held);
  }

  /** Called after every write of a variant's inventory; notifies on a rise from <= 0 to > 0. */
  inventoryChanged(variantId: string, before: unknown, after: unknown): void {
    if (!(typeof before === 'number' && before <= 0 && typeof after === 'number' && after > 0)) return;
    const profiles = this.waiting.get(variantId);
    if (!profiles) return;
    this.waiting.delete(variantId);
    const at = isoTime(this.now());
    for (const [profileId, channels] of profiles) {
      this.notifications.push({ variantId, profileId, channels: [...channels], at });
    }
  }

  /** A deleted variant can never come back into stock; its waiting list goes with it. */
  variantDeleted(variantId: string): void {
    this.waiting.delete(variantId);
  }

  /** How many wait for a variant (for inspection). */
  waitingFor(variantId: string): number {
    return this.waiting.get(variantId)?.size ?? 0;
  }
}
