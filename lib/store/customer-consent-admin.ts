import 'server-only';
import sql from 'sql-template-tag';
import { z } from 'zod';
import { fieldErrorOf } from '../klaviyo-next/http/field-error';
import type { ConsentChannel, ConsentRecord, StoredConsentStatus } from './customer-consent';
import { changeConsentInStore, consentAddress } from './customer-consent-change';
import type { StoreDeps } from './deps';
import { formInput } from './form-input';
import { type ActionResult, asResult, StoreError } from './result';
import { retryOnConflict } from './retry-conflict';

/** One customer as the admin's customers page lists her: who, and her consent per channel. */
export interface CustomerConsentRow {
  id: string;
  email: string;
  phone: string | null;
  name: string;
  ordersCount: number;
  consent: Partial<Record<ConsentChannel, Pick<ConsentRecord, 'status' | 'source' | 'at' | 'address'>>>;
}

export const CUSTOMERS_PAGE_SIZE = 50;

/** LIKE's wildcards in what the merchant typed match themselves. */
const likeEscaped = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Customers whose email contains `search` (all, newest first, without one), with their consent. For
 * the merchant's page only: the caller has checked the merchant's session. Erased customers are left
 * out: their rows are tombstones (`erased:<id>`, no person) kept only because orders point at them.
 */
export async function searchCustomers(
  deps: Pick<StoreDeps, 'db'>,
  search: string | undefined,
): Promise<CustomerConsentRow[]> {
  const pattern = `%${likeEscaped((search ?? '').trim().toLowerCase())}%`;
  const rows = await deps.db.query<{
    id: string;
    email: string;
    phone: string | null;
    first_name: string | null;
    last_name: string | null;
    orders_count: number;
    channel: ConsentChannel | null;
    status: StoredConsentStatus | null;
    source: string | null;
    address: string | null;
    at: number | string | null;
  }>(sql`
    SELECT c.id, c.email, c.phone, c.first_name, c.last_name, c.orders_count,
      k.channel, k.status, k.source, k.address, k.at
    FROM (SELECT * FROM store_customers WHERE erased_at IS NULL AND email LIKE ${pattern} ESCAPE '\\'
          ORDER BY created_at DESC, id LIMIT ${CUSTOMERS_PAGE_SIZE}) c
    LEFT JOIN store_customer_consent k ON k.customer_id = c.id
    ORDER BY c.created_at DESC, c.id`);
  const byId = new Map<string, CustomerConsentRow>();
  for (const r of rows) {
    let row = byId.get(r.id);
    if (!row) {
      row = {
        id: r.id,
        email: r.email,
        phone: r.phone,
        name: [r.first_name, r.last_name].filter(Boolean).join(' '),
        ordersCount: Number(r.orders_count),
        consent: {},
      };
      byId.set(r.id, row);
    }
    if (r.channel && r.status && r.source && r.address && r.at !== null)
      row.consent[r.channel] = { status: r.status, source: r.source, address: r.address, at: Number(r.at) };
  }
  return [...byId.values()];
}

const unsubscribeInput = z.strictObject({
  customerId: z.string().trim().min(1, 'is required').max(100),
  channel: z.enum(['email', 'sms']),
});

/**
 * The merchant unsubscribes a customer from a channel: recorded on her, and a global unsubscribe
 * sent to Klaviyo through the outbox in the same transaction. The caller has checked the merchant's
 * session (app/(admin)/admin/(dashboard)/customers/actions.ts).
 */
export async function unsubscribeCustomer(
  deps: StoreDeps,
  input: unknown,
): Promise<ActionResult<{ customerId: string; channel: ConsentChannel }>> {
  const parsed = unsubscribeInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const { customerId, channel } = parsed.data;
  const result = await asResult(() =>
    retryOnConflict(() =>
      deps.db.transaction(async (tx) => {
        // An erased customer is no one to unsubscribe: her tombstone's `erased:<id>` is no address.
        const [exists] = await tx.query(
          sql`SELECT id FROM store_customers WHERE id = ${customerId} AND erased_at IS NULL`,
        );
        if (!exists) throw new StoreError('customerId: no such customer', 'customerId');
        const address = await consentAddress(tx, customerId, channel);
        if (!address) throw new StoreError('phone: this customer has no phone number on record', 'phone');
        const now = deps.now();
        await changeConsentInStore(
          tx,
          deps,
          { customerId, channel, status: 'unsubscribed', source: 'admin', address },
          now,
        );
        return { customerId, channel };
      }),
    ),
  );
  if (result.ok) deps.scheduleDelivery();
  return result;
}
