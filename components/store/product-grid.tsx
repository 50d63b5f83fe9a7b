import type { ProductCardData } from '@/lib/store/product-view';
import { ProductCard } from './product-card';

/** A responsive grid of product cards; the first row loads eagerly (it is above the fold). */
export function ProductGrid({ products, label }: { products: ProductCardData[]; label: string }) {
  return (
    <ul className="grid" aria-label={label}>
      {products.map((p, i) => (
        <li key={p.slug}>
          <ProductCard product={p} priority={i < 4} />
        </li>
      ))}
    </ul>
  );
}
