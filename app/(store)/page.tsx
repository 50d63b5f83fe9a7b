import Link from 'next/link';
import { ProductGrid } from '@/components/store/product-grid';
import { app } from '@/lib/app';
import { listCategories } from '@/lib/store/catalog';
import { productImage } from '@/lib/store/product-art';
import { listProducts } from '@/lib/store/products/current';
import { productCards } from './_lib/cards';

// A category's tile shows one of its products.
const CATEGORY_COVERS: Record<string, string> = {
  tops: 'merino-crew-sweater',
  bottoms: 'relaxed-chino',
  outerwear: 'waxed-canvas-jacket',
  accessories: 'canvas-market-tote',
  'bed-bath': 'waffle-bath-towel',
  'kitchen-table': 'stoneware-mug-set',
};

const BESTSELLERS = [
  'organic-cotton-tee',
  'merino-crew-sweater',
  'waxed-canvas-jacket',
  'relaxed-chino',
  'striped-breton-top',
  'ribbed-merino-beanie',
  'packable-rain-shell',
  'leather-card-wallet',
];

const HERO = ['waxed-canvas-jacket', 'striped-breton-top', 'stoneware-mug-set'];

/** The shop's home: hero, categories, bestsellers, what the brand stands for, home goods. */
export default async function HomePage() {
  const all = await listProducts(app.store.db);
  const bestsellers = BESTSELLERS.flatMap((slug) => all.find((p) => p.slug === slug) ?? []);
  const home = all.filter((p) =>
    p.categories.some((c) => c.slug === 'bed-bath' || c.slug === 'kitchen-table'),
  );
  const [bestsellerCards, homeCards] = await Promise.all([
    productCards(bestsellers),
    productCards(home.slice(0, 4)),
  ]);
  return (
    <>
      <section className="hero">
        <div className="hero__copy">
          <p className="eyebrow">The autumn edit</p>
          <h1 className="hero__title">Everyday things, made to last.</h1>
          <p className="hero__lead">
            Organic cotton, merino, linen and waxed canvas, cut simply and made in small runs by people we
            know. Fewer, better things for the wardrobe and the home.
          </p>
          <div className="hero__actions">
            <Link href="/collections/all" className="button button--primary">
              Shop all
            </Link>
            <Link href="/collections/bed-bath" className="button button--secondary">
              Explore the home
            </Link>
          </div>
        </div>
        <div className="hero__art" aria-hidden="true">
          {HERO.map((slug, i) => (
            // biome-ignore lint/performance/noImgElement: local SVG illustrations
            <img
              key={slug}
              src={productImage(slug)}
              alt=""
              width={800}
              height={1000}
              className={`hero__tile hero__tile--${i}`}
            />
          ))}
        </div>
      </section>

      <section className="section" aria-labelledby="categories-title">
        <div className="section__head">
          <h2 id="categories-title" className="section__title">
            Shop by category
          </h2>
        </div>
        <ul className="category-tiles">
          {listCategories().map((c) => (
            <li key={c.slug}>
              <Link href={`/collections/${c.slug}`} className="category-tile">
                {/* biome-ignore lint/performance/noImgElement: local SVG illustrations */}
                <img
                  src={productImage(CATEGORY_COVERS[c.slug] ?? '')}
                  className="category-tile__img"
                  alt=""
                  width={800}
                  height={1000}
                  loading="lazy"
                />
                <span className="category-tile__name">{c.name}</span>
              </Link>
            </li>
          ))}
        </ul>
      </section>

      <section className="section" aria-labelledby="bestsellers-title">
        <div className="section__head">
          <h2 id="bestsellers-title" className="section__title">
            Bestsellers
          </h2>
          <Link href="/collections/all" className="section__link">
            Shop all {all.length} products →
          </Link>
        </div>
        <ProductGrid products={bestsellerCards} label="Bestsellers" />
      </section>

      <section className="values-band" aria-label="What we stand for">
        <div className="values">
          <div>
            <h2>Natural fibres</h2>
            <p>
              Organic cotton, European linen and mulesing-free merino. Nothing that sheds plastic in the wash.
            </p>
          </div>
          <div>
            <h2>Made in small runs</h2>
            <p>
              We make a season’s worth, then restock what you love. Sold out? We’ll email you when it’s back.
            </p>
          </div>
          <div>
            <h2>Free returns</h2>
            <p>Free shipping over $100 and 30 days to change your mind, on everything.</p>
          </div>
        </div>
      </section>

      <section className="section" aria-labelledby="home-title">
        <div className="section__head">
          <h2 id="home-title" className="section__title">
            For the home
          </h2>
          <Link href="/collections/kitchen-table" className="section__link">
            Kitchen &amp; table →
          </Link>
        </div>
        <ProductGrid products={homeCards} label="For the home" />
      </section>
    </>
  );
}
