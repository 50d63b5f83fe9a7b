import Link from 'next/link';
import { formatPrice } from '@/lib/store/format';
import type { ProductCardData } from '@/lib/store/product-view';

const BADGES = { 'sold-out': 'Sold out', limited: 'Limited sizes', available: undefined } as const;

/** One product in a grid: picture, name, price, options and a stock badge. */
export function ProductCard({ product, priority = false }: { product: ProductCardData; priority?: boolean }) {
  const badge = BADGES[product.availability];
  return (
    <article className={`card${product.availability === 'sold-out' ? ' card--sold-out' : ''}`}>
      <Link href={`/products/${product.slug}`} className="card__link">
        <div className="card__media">
          {/* Local SVG illustrations: next/image would only pass them through (no raster to optimise). */}
          {/* biome-ignore lint/performance/noImgElement: see above */}
          <img
            src={product.image}
            className="card__img"
            alt=""
            width={800}
            height={1000}
            loading={priority ? 'eager' : 'lazy'}
            decoding="async"
          />
          {badge ? (
            <span className={`badge badge--${product.availability}`}>
              {product.availability === 'limited' && product.swatches.length > 0 ? 'Limited colours' : badge}
            </span>
          ) : null}
        </div>
        <div className="card__body">
          <h3 className="card__title">{product.title}</h3>
          <p className="card__price">
            {product.priceVaries ? <span className="card__from">From </span> : null}
            {formatPrice(product.priceCents)}
          </p>
        </div>
      </Link>
      <div className="card__meta">
        {product.swatches.length > 0 ? (
          <ul className="swatches" aria-label={`${product.swatches.length} colours`}>
            {product.swatches.map((s) => (
              <li
                key={s.name}
                className="swatch swatch--small"
                style={{ background: s.colour }}
                title={s.name}
              />
            ))}
          </ul>
        ) : (
          <span>{product.optionsLabel}</span>
        )}
      </div>
    </article>
  );
}
