import type { Migration } from '../klaviyo-next/sql/migrate';
import { PRODUCT_MIGRATIONS } from './products/schema';

/**
 * The demo store's tables (migrations 200+). One SQL text serves both backends: times are epoch
 * milliseconds and money is integer cents, both BIGINT; JSON is kept as TEXT. CHECK constraints are
 * the last line of defence behind the store functions (no negative stock, no over-refund).
 */
export const STORE_MIGRATIONS: Migration[] = [
  {
    version: 200,
    name: 'store_carts',
    sql: `
      CREATE TABLE store_carts (
        id TEXT PRIMARY KEY,
        revision INTEGER NOT NULL DEFAULT 0,
        currency TEXT NOT NULL,
        customer_email TEXT,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'ordered')),
        order_id TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE TABLE store_cart_lines (
        cart_id TEXT NOT NULL REFERENCES store_carts (id) ON DELETE CASCADE,
        variant_id TEXT NOT NULL,
        quantity INTEGER NOT NULL CHECK (quantity > 0),
        added_at BIGINT NOT NULL,
        PRIMARY KEY (cart_id, variant_id)
      );
      CREATE TABLE store_cart_changes (
        cart_id TEXT NOT NULL REFERENCES store_carts (id) ON DELETE CASCADE,
        revision INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('add', 'update', 'remove')),
        variant_id TEXT NOT NULL,
        quantity INTEGER NOT NULL CHECK (quantity >= 0),
        at BIGINT NOT NULL,
        PRIMARY KEY (cart_id, revision)
      );`,
  },
  {
    version: 201,
    name: 'store_orders',
    sql: `
      CREATE TABLE store_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
      INSERT INTO store_counters (name, value) VALUES ('order_number', 100000);
      CREATE TABLE store_customers (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        phone TEXT,
        first_name TEXT,
        last_name TEXT,
        orders_count INTEGER NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE TABLE store_orders (
        id TEXT PRIMARY KEY,
        cart_id TEXT UNIQUE REFERENCES store_carts (id),
        customer_id TEXT NOT NULL REFERENCES store_customers (id),
        status TEXT NOT NULL CHECK (status IN
          ('placed', 'fulfilled', 'partially_fulfilled', 'cancelled', 'refunded', 'partially_refunded')),
        currency TEXT NOT NULL,
        email TEXT NOT NULL,
        phone TEXT,
        first_name TEXT NOT NULL,
        last_name TEXT NOT NULL,
        shipping_address TEXT NOT NULL,
        billing_address TEXT NOT NULL,
        subtotal_cents BIGINT NOT NULL,
        shipping_cents BIGINT NOT NULL,
        tax_cents BIGINT NOT NULL,
        discount_cents BIGINT NOT NULL,
        total_cents BIGINT NOT NULL CHECK (total_cents >= 0),
        refunded_cents BIGINT NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0 AND refunded_cents <= total_cents),
        placed_at BIGINT NOT NULL,
        cancelled_at BIGINT,
        cancel_reason TEXT,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX store_orders_customer ON store_orders (customer_id);
      CREATE TABLE store_order_lines (
        id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL REFERENCES store_orders (id),
        position INTEGER NOT NULL,
        product_id TEXT NOT NULL,
        variant_id TEXT NOT NULL,
        sku TEXT NOT NULL,
        name TEXT NOT NULL,
        variant_name TEXT,
        categories TEXT NOT NULL,
        price_cents BIGINT NOT NULL CHECK (price_cents >= 0),
        quantity INTEGER NOT NULL CHECK (quantity > 0),
        fulfilled_quantity INTEGER NOT NULL DEFAULT 0 CHECK (fulfilled_quantity BETWEEN 0 AND quantity),
        refunded_quantity INTEGER NOT NULL DEFAULT 0 CHECK (refunded_quantity BETWEEN 0 AND quantity),
        UNIQUE (order_id, position)
      );
      CREATE TABLE store_fulfillments (
        id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL REFERENCES store_orders (id),
        carrier TEXT,
        tracking_number TEXT,
        lines TEXT NOT NULL,
        fulfilled_at BIGINT NOT NULL
      );
      CREATE TABLE store_refunds (
        id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL REFERENCES store_orders (id),
        amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
        reason TEXT,
        lines TEXT NOT NULL,
        refunded_at BIGINT NOT NULL
      );`,
  },
  {
    version: 202,
    name: 'store_inventory_and_sessions',
    // Inventory rows appear on a variant's first sale, starting from the catalog's stock, so adding a
    // product to the catalog needs no migration.
    sql: `
      CREATE TABLE store_inventory (
        variant_id TEXT PRIMARY KEY,
        on_hand INTEGER NOT NULL CHECK (on_hand >= 0),
        updated_at BIGINT NOT NULL
      );
      CREATE TABLE store_shopper_sessions (
        token_hash TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL REFERENCES store_customers (id),
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      );`,
  },
  {
    version: 203,
    name: 'store_customer_credentials',
    // Shopper accounts: a password for a customer row. Kept apart from store_customers, which guest
    // checkouts create too, so "has an account" is simply "has a row here".
    sql: `
      CREATE TABLE store_customer_credentials (
        customer_id TEXT PRIMARY KEY REFERENCES store_customers (id),
        password_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX store_shopper_sessions_customer ON store_shopper_sessions (customer_id);`,
  },
  {
    version: 204,
    name: 'store_email_proofs_and_order_access',
    // A checkout proves nothing about an email. Guest checkouts now get order access grants (one
    // browser, the orders it placed), not a session on the customer; sign-up and claiming orders go
    // through a mailed link (store_email_proofs). Accounts made before this had no proven email, so
    // email_verified_at starts empty (their owner confirms by link at next sign-in), and every
    // existing session goes: some were guest sessions on a customer, which a verified account
    // would otherwise turn into a sign-in.
    sql: `
      CREATE TABLE store_email_proofs (
        id_hash TEXT PRIMARY KEY,
        purpose TEXT NOT NULL CHECK (purpose IN ('sign-up', 'verify')),
        email TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        consumed_at BIGINT
      );
      CREATE INDEX store_email_proofs_expires ON store_email_proofs (expires_at);
      CREATE TABLE store_order_access (
        token_hash TEXT NOT NULL,
        order_id TEXT NOT NULL REFERENCES store_orders (id),
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (token_hash, order_id)
      );
      ALTER TABLE store_customer_credentials ADD COLUMN email_verified_at BIGINT;
      DELETE FROM store_shopper_sessions;`,
  },
  {
    version: 230,
    name: 'store_subscriptions',
    // Subscribe-and-save (lib/store/subscriptions). A subscription is a standing order of one variant
    // for a customer with an account; `revision` counts its changes (each pause and resume is its own
    // fact, with its own event id) and `charges_count` its charges. A charge row per charge, unique per
    // (subscription, number): a second charge of the same period cannot be recorded, even by a race.
    sql: `
      INSERT INTO store_counters (name, value) VALUES ('subscription_number', 1000);
      CREATE TABLE store_subscriptions (
        id TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL REFERENCES store_customers (id),
        plan_id TEXT NOT NULL,
        variant_id TEXT NOT NULL,
        quantity INTEGER NOT NULL CHECK (quantity > 0),
        recurring_cents BIGINT NOT NULL CHECK (recurring_cents >= 0),
        currency TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'cancelled')),
        revision INTEGER NOT NULL DEFAULT 0,
        charges_count INTEGER NOT NULL DEFAULT 0,
        started_at BIGINT NOT NULL,
        next_charge_at BIGINT,
        cancelled_at BIGINT,
        cancel_reason TEXT,
        updated_at BIGINT NOT NULL,
        CHECK ((status = 'active') = (next_charge_at IS NOT NULL))
      );
      CREATE INDEX store_subscriptions_customer ON store_subscriptions (customer_id);
      CREATE INDEX store_subscriptions_due ON store_subscriptions (status, next_charge_at);
      CREATE TABLE store_subscription_charges (
        id TEXT PRIMARY KEY,
        subscription_id TEXT NOT NULL REFERENCES store_subscriptions (id),
        number INTEGER NOT NULL CHECK (number > 0),
        amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
        period_due_at BIGINT NOT NULL,
        charged_at BIGINT NOT NULL,
        UNIQUE (subscription_id, number)
      );`,
  },
  {
    version: 210,
    name: 'store_customer_consent',
    // Marketing consent per customer and channel, as the store last heard it: from its own pages
    // (checkout, sign-up, preferences, admin) or from Klaviyo's webhooks. \`at\` is when the change was
    // made where it was made (a webhook item's datetime), so an older change arriving late never
    // overwrites a newer one (lib/store/customer-consent.ts). \`address\` is the email or phone the
    // consent names: SMS consent is given for a typed phone, which need not be the customer's own.
    sql: `
      CREATE TABLE store_customer_consent (
        customer_id TEXT NOT NULL REFERENCES store_customers (id) ON DELETE CASCADE,
        channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
        status TEXT NOT NULL CHECK (status IN ('subscribed', 'unsubscribed', 'suppressed')),
        source TEXT NOT NULL,
        method TEXT,
        address TEXT NOT NULL,
        external_id TEXT,
        at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (customer_id, channel)
      );
      CREATE INDEX store_customer_consent_address ON store_customer_consent (channel, address);
      CREATE INDEX store_customers_phone ON store_customers (phone);`,
  },
  {
    version: 240,
    name: 'store_shipment_status',
    // Fulfilment in the admin (lib/store/orders): each shipment keeps the tracking page its events
    // linked and where the carrier has it (fulfilled, then confirmed, then delivered; each recorded
    // once, with its time). Existing shipments start as handed to the carrier. The order page reads
    // an order's shipments and refunds, the order list the newest orders first.
    sql: `
      ALTER TABLE store_fulfillments ADD COLUMN tracking_url TEXT;
      ALTER TABLE store_fulfillments ADD COLUMN shipment_status TEXT NOT NULL DEFAULT 'fulfilled'
        CHECK (shipment_status IN ('fulfilled', 'confirmed', 'delivered'));
      ALTER TABLE store_fulfillments ADD COLUMN confirmed_at BIGINT;
      ALTER TABLE store_fulfillments ADD COLUMN delivered_at BIGINT;
      CREATE INDEX store_fulfillments_order ON store_fulfillments (order_id);
      CREATE INDEX store_refunds_order ON store_refunds (order_id);
      CREATE INDEX store_orders_placed ON store_orders (placed_at);`,
  },
  {
    version: 220,
    name: 'store_erasures',
    // Erasure (lib/store/erasure.ts). An erased customer keeps her row as a tombstone (her orders,
    // kept for the books, still point at it) with \`erased_at\` set and no email, phone or name left;
    // her orders keep amounts and lines and lose their personal fields (\`erased_at\` there too).
    // \`store_erasures\` is the audit record: the erasure's random id (the plugin's klaviyo_erasures
    // row has the same), the customer id (a random id), who asked, when, and counts. No personal data.
    sql: `
      ALTER TABLE store_customers ADD COLUMN erased_at BIGINT;
      ALTER TABLE store_orders ADD COLUMN erased_at BIGINT;
      CREATE TABLE store_erasures (
        id TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL REFERENCES store_customers (id),
        requested_by TEXT NOT NULL CHECK (requested_by IN ('merchant', 'shopper')),
        requested_at BIGINT NOT NULL,
        counts TEXT NOT NULL
      );
      CREATE INDEX store_erasures_customer ON store_erasures (customer_id);`,
  },
  // The merchant's catalogue changes (250s): lib/store/products/schema.ts.
  ...PRODUCT_MIGRATIONS,
].sort((a, b) => a.version - b.version);
