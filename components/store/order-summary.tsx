import type { ReactNode } from 'react';
import { formatMoney } from '@/lib/store/format';

export interface SummaryLine {
  key: string;
  title: string;
  option: string;
  quantity: number;
  image: string;
  lineTotalCents: number;
}

/** Lines and totals, for the checkout sidebar and the order confirmation. */
export function OrderSummary({
  lines,
  subtotalCents,
  shippingCents,
  totalCents,
  currency,
  title = 'Order summary',
  children,
}: {
  lines: SummaryLine[];
  subtotalCents: number;
  shippingCents: number;
  totalCents: number;
  currency: string;
  title?: string;
  children?: ReactNode;
}) {
  return (
    <section className="summary" aria-labelledby="summary-title">
      <h2 id="summary-title" className="summary__title">
        {title}
      </h2>
      <ul className="summary__lines">
        {lines.map((l) => (
          <li key={l.key} className="summary__line">
            <span className="summary__thumb">
              {/* biome-ignore lint/performance/noImgElement: local SVG illustrations */}
              <img src={l.image} alt="" width={64} height={80} className="summary__img" />
              <span className="summary__qty">
                <span className="visually-hidden">Quantity </span>
                {l.quantity}
              </span>
            </span>
            <span className="summary__name">
              {l.title}
              <span className="summary__option">{l.option}</span>
            </span>
            <span className="summary__amount">{formatMoney(l.lineTotalCents, currency)}</span>
          </li>
        ))}
      </ul>
      <dl className="totals">
        <div>
          <dt>Subtotal</dt>
          <dd>{formatMoney(subtotalCents, currency)}</dd>
        </div>
        <div>
          <dt>Shipping</dt>
          <dd>{shippingCents === 0 ? 'Free' : formatMoney(shippingCents, currency)}</dd>
        </div>
        <div className="totals__total">
          <dt>Total</dt>
          <dd>
            <span className="totals__currency">{currency}</span> {formatMoney(totalCents, currency)}
          </dd>
        </div>
      </dl>
      {children}
    </section>
  );
}
