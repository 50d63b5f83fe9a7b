/**
 * What the tracking builders read: snapshots of the store's own records at the moment of the fact.
 * Money is in minor units (cents) so sums are exact; Klaviyo receives major units.
 */
export interface ProductSnapshot {
  productId: string;
  variantId: string;
  sku: string;
  name: string;
  variantName?: string;
  brand?: string;
  categories: string[];
  url: string;
  imageUrl?: string;
  priceCents: number;
  compareAtPriceCents?: number;
}

export interface LineSnapshot extends ProductSnapshot {
  lineId: string;
  quantity: number;
}

export interface CartSnapshot {
  cartId: string;
  /** Increases with every change, so each change is its own fact. */
  revision: number;
  currency: string;
  lines: LineSnapshot[];
  /** Rebuilds this cart on any device (the Started Checkout "CheckoutURL"). */
  rebuildUrl: string;
}

export interface Address {
  firstName?: string;
  lastName?: string;
  address1?: string;
  address2?: string;
  city?: string;
  region?: string;
  zip?: string;
  country?: string;
  phone?: string;
}

export interface CustomerSnapshot {
  email?: string;
  phone?: string;
  externalId?: string;
  firstName?: string;
  lastName?: string;
  /** Klaviyo's exchange id from the browser (`__kla_id` cookie or `_kx` link parameter). */
  exchangeId?: string;
}

export interface OrderSnapshot {
  orderId: string;
  currency: string;
  placedAt: string; // ISO 8601
  customer: CustomerSnapshot;
  lines: LineSnapshot[];
  discountCode?: string;
  discountCents: number;
  shippingCents: number;
  taxCents: number;
  totalCents: number;
  billingAddress?: Address;
  shippingAddress?: Address;
}

export interface RefundSnapshot {
  refundId: string;
  refundedAt: string;
  amountCents: number;
  reason?: string;
  lines: { lineId: string; quantity: number }[];
}

export interface FulfillmentSnapshot {
  fulfillmentId: string;
  fulfilledAt: string;
  /** True when this shipment sends the last of the order (earlier shipments included). */
  completesOrder?: boolean;
  carrier?: string;
  trackingNumber?: string;
  /** The carrier's tracking page; built from carrier and tracking number when left out (trackingUrl()). */
  trackingUrl?: string;
  lines: { lineId: string; quantity: number }[];
}

/** A carrier's news about one shipment: it has the parcel (confirmed), or handed it over (delivered). */
export interface ShipmentUpdate {
  status: 'confirmed' | 'delivered';
  at: string; // ISO 8601
}
