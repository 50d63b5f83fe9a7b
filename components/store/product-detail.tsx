'use client';

import { type ReactNode, useState } from 'react';
import { TrackViewedProduct } from '@/components/klaviyo';
import type { ProductSnapshot } from '@/lib/klaviyo-next/events/types';
import { formatPrice } from '@/lib/store/format';
import { type AddToBagAction, AddToBagButton } from './add-to-bag-button';
import { type BackInStockAction, BackInStockForm } from './back-in-stock-form';
import { type PickerOption, VariantPicker } from './variant-picker';

export interface VariantView extends PickerOption {
  priceCents: number;
  /** Units left when few are (the page says "Only 3 left"); absent otherwise. */
  fewLeft?: number;
  image: string;
  /** The variant as the tracking builders describe it (absolute URLs), for Viewed Product. */
  snapshot: ProductSnapshot;
}

/**
 * The product page's interactive part: picture, option choice, price, and add to bag or, for a sold-out
 * option, the back-in-stock form. The chosen option is kept in the URL (`?variant=`) so a shared link
 * opens on it, and each option shown is one Viewed Product.
 */
export function ProductDetail({
  title,
  eyebrow,
  optionKind,
  variants,
  initialVariantId,
  currency,
  addToBag,
  notifyWhenBack,
  shopperEmail,
  children,
}: {
  title: string;
  eyebrow?: string;
  optionKind: string;
  variants: VariantView[];
  initialVariantId: string;
  currency: string;
  addToBag: AddToBagAction;
  notifyWhenBack: BackInStockAction;
  shopperEmail?: string;
  children?: ReactNode;
}) {
  const [selectedId, setSelectedId] = useState(initialVariantId);
  const selected = variants.find((v) => v.id === selectedId) ?? (variants[0] as VariantView);

  const select = (id: string) => {
    setSelectedId(id);
    // Not router.replace: the server has nothing new to render for another option. The link's other
    // parameters (utm_*, Klaviyo's _kx) stay, for whatever reads them later.
    const search = new URLSearchParams(window.location.search);
    search.set('variant', id);
    window.history.replaceState(null, '', `?${search}`);
  };

  return (
    <div className="pdp">
      <TrackViewedProduct product={selected.snapshot} />
      <div className="pdp__gallery">
        <figure className="pdp__image">
          {/* biome-ignore lint/performance/noImgElement: local SVG illustrations, nothing to optimise */}
          <img
            src={selected.image}
            alt={`${title}, ${selected.option}`}
            width={800}
            height={1000}
            className="pdp__img"
          />
        </figure>
        {/* Two close-ups of the same picture (top and lower edge), as a product shoot's detail shots. */}
        {(['top', 'edge'] as const).map((part) => (
          <figure key={part} className="pdp__image pdp__image--detail" aria-hidden="true">
            {/* biome-ignore lint/performance/noImgElement: a zoomed crop of the same picture */}
            <img
              src={selected.image}
              alt=""
              width={800}
              height={1000}
              className={`pdp__img pdp__img--${part}`}
            />
          </figure>
        ))}
      </div>
      <div className="pdp__buy">
        {eyebrow ? <p className="eyebrow">{eyebrow}</p> : null}
        <h1 className="pdp__title">{title}</h1>
        <p className="pdp__price">{formatPrice(selected.priceCents, currency)}</p>
        <VariantPicker kind={optionKind} options={variants} selectedId={selected.id} onSelect={select} />
        {selected.inStock ? (
          <>
            {selected.fewLeft ? <p className="low-stock">Only {selected.fewLeft} left</p> : null}
            <AddToBagButton
              variantId={selected.id}
              label={`Add to bag — ${formatPrice(selected.priceCents, currency)}`}
              addToBag={addToBag}
            />
          </>
        ) : (
          <BackInStockForm
            key={selected.id}
            variantId={selected.id}
            option={selected.option}
            defaultEmail={shopperEmail}
            action={notifyWhenBack}
          />
        )}
        {children}
      </div>
    </div>
  );
}
