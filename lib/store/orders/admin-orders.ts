import 'server-only';
import sql, { empty, join } from 'sql-template-tag';
import type { SqlExecutor } from '../../klaviyo-next/sql/types';
import { findOrder } from './records';
import { type ShipmentRecord, shipmentsOf } from './shipments';
import type { LineQuantities, OrderRecord, OrderStatus } from './types';

export const ORDER_STATUSES: OrderStatus[] = [
  'placed',
  'partially_fulfilled',
  'fulfilled',
  'partially_refunded',
  'refunded',
  'cancelled',
];

/** One row of the admin's order list. */
export interface OrderSummary {
  id: string;
  status: OrderStatus;
  email: string;
  name: string;
  currency: string;
  totalCents: number;
  refundedCents: number;
  placedAt: number;
}

export interface RefundRecord {
  id: string;
  amountCents: number;
  reason?: string;
  lines: LineQuantities;
  refundedAt: number;
}

/** The order page: the order, its shipments and its refunds. */
export interface OrderDetail {
  order: OrderRecord;
  shipments: ShipmentRecord[];
  refunds: RefundRecord[];
}

/** A page of the list is at most this long; the newest orders come first. */
export const ORDER_PAGE_SIZE = 50;

/**
 * The newest orders, optionally of one status and matching a search: an order number (`NW-100004`,
 * or part of it) or part of the customer's email or name, any case.
 */
export async function listOrders(
  q: SqlExecutor,
  filter: { status?: OrderStatus; search?: string } = {},
): Promise<OrderSummary[]> {
  const where = [
    ...(filter.status ? [sql`status = ${filter.status}`] : []),
    ...(filter.search
      ? [
          (() => {
            const like = `%${filter.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
            return sql`(LOWER(id) LIKE ${like} ESCAPE '\\' OR LOWER(email) LIKE ${like} ESCAPE '\\' OR LOWER(first_name || ' ' || last_name) LIKE ${like} ESCAPE '\\')`;
          })(),
        ]
      : []),
  ];
  const rows = await q.query<{
    id: string;
    status: OrderStatus;
    email: string;
    first_name: string;
    last_name: string;
    currency: string;
    total_cents: number;
    refunded_cents: number;
    placed_at: number;
  }>(
    sql`SELECT id, status, email, first_name, last_name, currency, total_cents, refunded_cents, placed_at
        FROM store_orders ${where.length ? sql`WHERE ${join(where, ' AND ')}` : empty}
        ORDER BY placed_at DESC, id DESC LIMIT ${ORDER_PAGE_SIZE}`,
  );
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    email: r.email,
    name: `${r.first_name} ${r.last_name}`,
    currency: r.currency,
    totalCents: Number(r.total_cents),
    refundedCents: Number(r.refunded_cents),
    placedAt: Number(r.placed_at),
  }));
}

/** The order with its shipments and refunds, or undefined when there is no such order. */
export async function orderDetail(
  q: SqlExecutor,
  orderId: string,
  storeUrl: string,
): Promise<OrderDetail | undefined> {
  const order = await findOrder(q, orderId, storeUrl);
  if (!order) return undefined;
  const refunds = await q.query<{
    id: string;
    amount_cents: number;
    reason: string | null;
    lines: string;
    refunded_at: number;
  }>(sql`SELECT * FROM store_refunds WHERE order_id = ${orderId} ORDER BY refunded_at, id`);
  return {
    order,
    shipments: await shipmentsOf(q, orderId),
    refunds: refunds.map((r) => ({
      id: r.id,
      amountCents: Number(r.amount_cents),
      ...(r.reason ? { reason: r.reason } : {}),
      lines: JSON.parse(r.lines) as LineQuantities,
      refundedAt: Number(r.refunded_at),
    })),
  };
}
