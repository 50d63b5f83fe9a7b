import type { Metadata } from 'next';
import { Badge, Card, PageHeader } from '@/components/klaviyo-admin/ui/layout';
import ui from '@/components/klaviyo-admin/ui.module.css';
import { app } from '@/lib/app';
import { requireMerchantPage } from '@/lib/auth';
import { CARRIER_TRACKING_PAGES } from '@/lib/klaviyo-next/events/orders';
import { orderDetail } from '@/lib/store/orders/admin-orders';
import { unshippedQuantity } from '@/lib/store/orders/status';
import { EmptyRow } from '../../empty-row';
import { cancelOrder, fulfilOrder, refundOrder, updateShipment } from '../actions';
import { money, ORDER_STATUS, SHIPMENT_STATUS, when } from '../order-labels';
import { CancelForm } from './cancel-form';
import { FulfilForm } from './fulfil-form';
import { RefundForm } from './refund-form';
import { ShipmentButtons } from './shipment-buttons';

export const metadata: Metadata = { title: 'Order' };

const CARRIERS = Object.values(CARRIER_TRACKING_PAGES).map((c) => c.name);

/** One order: its lines, shipments and refunds, and the forms that change it. */
export default async function OrderPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireMerchantPage(`/admin/orders/${encodeURIComponent(id)}`);
  const detail = /^NW-\d{6,12}$/.test(id)
    ? await orderDetail(app.store.db, id, app.store.storeUrl)
    : undefined;
  if (!detail) return <MissingOrder id={id} />;
  const { order, shipments, refunds } = detail;
  const m = (cents: number) => money(cents, order.currency);
  const nameOf = (lineId: string) => {
    const line = order.lines.find((l) => l.lineId === lineId);
    return line ? `${line.name}${line.variantName ? ` (${line.variantName})` : ''}` : lineId;
  };
  const items = (lines: { lineId: string; quantity: number }[]) =>
    lines.map((l) => `${l.quantity} × ${nameOf(l.lineId)}`).join(', ');
  const shippable = order.lines
    .filter((l) => unshippedQuantity(l) > 0)
    .map((l) => ({ lineId: l.lineId, name: nameOf(l.lineId), left: unshippedQuantity(l) }));
  const refundableLines = order.lines
    .filter((l) => l.quantity - l.refundedQuantity > 0)
    .map((l) => ({ lineId: l.lineId, name: nameOf(l.lineId), left: l.quantity - l.refundedQuantity }));
  const open = order.status !== 'cancelled' && order.status !== 'refunded';
  const status = ORDER_STATUS[order.status];
  return (
    <>
      <PageHeader
        crumbs={[{ href: '/admin/orders', label: 'Orders' }]}
        title={
          <span>
            <span className={ui.mono}>{order.id}</span>{' '}
            <span data-testid="order-status">
              <Badge tone={status.tone}>{status.label}</Badge>
            </span>
          </span>
        }
        subtitle={`${order.customer.firstName} ${order.customer.lastName} · ${order.customer.email} · placed ${when(order.placedAt)}`}
      />
      <div className={ui.grid}>
        <Card title="Items" flush testId="order-lines">
          <div className={ui.tableWrap}>
            <table className={ui.table}>
              <thead>
                <tr>
                  <th>Item</th>
                  <th className={ui.num}>Price</th>
                  <th className={ui.num}>Ordered</th>
                  <th className={ui.num}>Shipped</th>
                  <th className={ui.num}>Refunded</th>
                </tr>
              </thead>
              <tbody>
                {order.lines.map((l) => (
                  <tr key={l.lineId}>
                    <td>
                      {nameOf(l.lineId)} <span className={`${ui.muted} ${ui.mono}`}>{l.sku}</span>
                    </td>
                    <td className={ui.num}>{m(l.priceCents)}</td>
                    <td className={ui.num}>{l.quantity}</td>
                    <td className={ui.num}>{l.fulfilledQuantity}</td>
                    <td className={ui.num}>{l.refundedQuantity}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className={ui.cardBody}>
            <dl className={ui.dl}>
              <dt>Shipping</dt>
              <dd>{m(order.shippingCents)}</dd>
              <dt>Discount</dt>
              <dd>{m(order.discountCents)}</dd>
              <dt>Total</dt>
              <dd data-testid="order-total">{m(order.totalCents)}</dd>
              <dt>Refunded</dt>
              <dd data-testid="order-refunded">{m(order.refundedCents)}</dd>
            </dl>
          </div>
        </Card>

        {open && shippable.length > 0 && (
          <Card title="Fulfil">
            <FulfilForm
              // A new shipment changes what is left: the form starts again from it.
              key={shippable.map((l) => `${l.lineId}:${l.left}`).join()}
              orderId={order.id}
              seen={shipments.length}
              lines={shippable}
              carriers={CARRIERS}
              fulfilOrder={fulfilOrder}
            />
          </Card>
        )}

        <Card title="Shipments" flush testId="shipments">
          <div className={ui.tableWrap}>
            <table className={ui.table}>
              <thead>
                <tr>
                  <th>Shipment</th>
                  <th>Items</th>
                  <th>Tracking</th>
                  <th>Status</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {shipments.map((s) => (
                  <tr key={s.id} data-testid={`shipment-${s.id}`}>
                    <td>
                      <div className={ui.mono}>{s.id}</div>
                      <div className={`${ui.muted} ${ui.small}`}>{when(s.fulfilledAt)}</div>
                    </td>
                    <td>{items(s.lines)}</td>
                    <td>
                      {s.carrier ? `${s.carrier} ` : ''}
                      {s.trackingUrl ? (
                        <a href={s.trackingUrl} target="_blank" rel="noreferrer" className={ui.mono}>
                          {s.trackingNumber}
                        </a>
                      ) : (
                        <span className={ui.mono}>{s.trackingNumber ?? '—'}</span>
                      )}
                    </td>
                    <td data-testid="shipment-status">
                      <Badge tone={SHIPMENT_STATUS[s.status].tone}>{SHIPMENT_STATUS[s.status].label}</Badge>
                    </td>
                    <td>
                      <ShipmentButtons
                        orderId={order.id}
                        fulfillmentId={s.id}
                        status={s.status}
                        updateShipment={updateShipment}
                      />
                    </td>
                  </tr>
                ))}
                {shipments.length === 0 && <EmptyRow columns={5}>Nothing has shipped yet.</EmptyRow>}
              </tbody>
            </table>
          </div>
        </Card>

        {order.status !== 'cancelled' && (
          <Card title="Refunds" testId="refunds">
            {refunds.length > 0 && (
              <table className={ui.table} data-testid="refunds-table">
                <tbody>
                  {refunds.map((r) => (
                    <tr key={r.id}>
                      <td className={ui.mono}>{r.id}</td>
                      <td className={ui.muted}>{when(r.refundedAt)}</td>
                      <td>{r.lines.length ? items(r.lines) : 'Amount only'}</td>
                      <td>{r.reason ?? ''}</td>
                      <td className={ui.num}>{m(r.amountCents)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {order.refundedCents < order.totalCents && (
              <RefundForm
                orderId={order.id}
                seen={refunds.length}
                lines={refundableLines}
                refundable={m(order.totalCents - order.refundedCents)}
                refundOrder={refundOrder}
              />
            )}
          </Card>
        )}

        {order.status === 'placed' && (
          <Card title="Cancel">
            <CancelForm orderId={order.id} cancelOrder={cancelOrder} />
          </Card>
        )}
      </div>
    </>
  );
}

/** An order number that names no order (a mistyped address): said on the page, with the way back. */
function MissingOrder({ id }: { id: string }) {
  return (
    <>
      <PageHeader crumbs={[{ href: '/admin/orders', label: 'Orders' }]} title="No such order" />
      <Card>
        <p className={ui.muted}>
          There is no order <span className={ui.mono}>{id.slice(0, 40)}</span>. Search for it on the orders
          page by its number or the customer’s email.
        </p>
      </Card>
    </>
  );
}
