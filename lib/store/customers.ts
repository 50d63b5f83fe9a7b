import 'server-only';
import { randomUUID } from 'node:crypto';
import sql from 'sql-template-tag';
import type { SqlExecutor } from '../klaviyo-next/sql/types';

export interface CustomerDetails {
  email: string;
  phone?: string;
  firstName: string;
  lastName: string;
}

/**
 * Records an order against the customer with this email (created on their first order) and returns
 * their id and lifetime order count, for the `NW Lifetime Orders` profile property. The upsert is
 * one statement, so concurrent first orders of one email count twice rather than fail.
 */
export async function recordCustomerOrder(tx: SqlExecutor, customer: CustomerDetails, now: number) {
  const [row] = await tx.query<{
    id: string;
    orders_count: number;
  }>(sql`INSERT INTO store_customers (id, email, phone, first_name, last_name, orders_count, created_at, updated_at)
     VALUES (${randomUUID()}, ${customer.email}, ${customer.phone ?? null}, ${customer.firstName}, ${customer.lastName}, 1, ${now}, ${now})
     ON CONFLICT (email) DO UPDATE SET phone = COALESCE(excluded.phone, store_customers.phone),
       first_name = excluded.first_name, last_name = excluded.last_name,
       orders_count = store_customers.orders_count + 1, updated_at = excluded.updated_at
     RETURNING id, orders_count`);
  if (!row) throw new Error('the customer upsert returned no row');
  return { id: row.id, ordersCount: row.orders_count };
}
