import { TrackViewedProduct } from '../../../../../components/klaviyo/track-viewed-product';
import type { ProductSnapshot } from '../../../../../lib/klaviyo-next/events/types';
import { BenchContent } from '../../../content';

const PRODUCT: ProductSnapshot = {
  productId: 'tee',
  variantId: 'tee-m',
  sku: 'TEE-M',
  name: 'Organic Tee',
  variantName: 'm',
  categories: ['Bench'],
  url: 'https://shop.example/products/tee',
  priceCents: 3200,
};

/** The provider page plus a product page's event component, to report what product pages add. */
export default function ProductBenchPage() {
  return (
    <>
      <BenchContent />
      <TrackViewedProduct product={PRODUCT} />
    </>
  );
}
