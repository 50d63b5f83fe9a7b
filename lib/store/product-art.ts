import { optionCode } from './catalog-data';

/**
 * The demo store's art direction, shared by the image generator (scripts/generate-product-images.ts)
 * and the pages (swatches, which picture to show for a colour). Plain data with no server imports, so
 * client components can read it. A merchant's store would take all of this from its product media.
 */
export type Silhouette =
  | 'tee'
  | 'shirt'
  | 'sweater'
  | 'breton'
  | 'trousers'
  | 'wide-trousers'
  | 'jogger'
  | 'shorts'
  | 'chore-jacket'
  | 'vest'
  | 'overshirt'
  | 'shell'
  | 'beanie'
  | 'tote'
  | 'wallet'
  | 'scarf'
  | 'duvet'
  | 'sheets'
  | 'towel'
  | 'robe'
  | 'mugs'
  | 'napkins'
  | 'board'
  | 'carafe';

export interface ProductArt {
  silhouette: Silhouette;
  /** The soft colour field behind the object. */
  background: string;
  /** The object's colour when its options are not colours. */
  colour: string;
  /** When the options are colours, each gets its own picture (see `productImage`). */
  colourOptions?: boolean;
}

/** Swatch colours for the option names the catalog uses as colours. */
export const OPTION_COLOURS: Readonly<Record<string, string>> = {
  Oat: '#d8c9ad',
  Charcoal: '#4a4b4f',
  Moss: '#6f7651',
  Rust: '#a9582f',
  Natural: '#e7dcc6',
  Olive: '#6d6c3f',
  Tan: '#b9854f',
  Black: '#29282a',
  Grey: '#9d9c9a',
  Camel: '#c09264',
  Navy: '#2f3b57',
  White: '#f7f5f0',
  Sage: '#a8b79b',
  Clay: '#c98d70',
  'Speckled White': '#eeeae2',
  Slate: '#5d6871',
  Indigo: '#3c4b7b',
  Terracotta: '#c1683f',
  Clear: '#d7e6e3',
  Amber: '#c58a3a',
};

// Category fields: warm sand for tops, sage for bottoms, mist for outerwear, blush for accessories,
// lilac grey for bed & bath and butter for the kitchen, each product a shade of its category's field.
export const PRODUCT_ART: Readonly<Record<string, ProductArt>> = {
  'organic-cotton-tee': { silhouette: 'tee', background: '#efe5d6', colour: '#f7f3ea' },
  'linen-button-down': { silhouette: 'shirt', background: '#e9e0d0', colour: '#c9d8e4' },
  'merino-crew-sweater': {
    silhouette: 'sweater',
    background: '#f0e6d8',
    colour: '#d8c9ad',
    colourOptions: true,
  },
  'striped-breton-top': { silhouette: 'breton', background: '#ebe2d3', colour: '#f6f2ea' },
  'relaxed-chino': { silhouette: 'trousers', background: '#dfe6da', colour: '#c8b48c' },
  'wide-leg-linen-pant': { silhouette: 'wide-trousers', background: '#e3e9dd', colour: '#e9e1cf' },
  'everyday-jogger': { silhouette: 'jogger', background: '#dae3d6', colour: '#a7a7a5' },
  'denim-work-short': { silhouette: 'shorts', background: '#e0e7db', colour: '#3e5278' },
  'waxed-canvas-jacket': { silhouette: 'chore-jacket', background: '#dde4ea', colour: '#7a6a45' },
  'quilted-liner-vest': { silhouette: 'vest', background: '#e2e7ec', colour: '#34405a' },
  'wool-overshirt': { silhouette: 'overshirt', background: '#dbe2e8', colour: '#b48a5f' },
  'packable-rain-shell': { silhouette: 'shell', background: '#e0e6eb', colour: '#d3a33f' },
  'ribbed-merino-beanie': {
    silhouette: 'beanie',
    background: '#f2e3dc',
    colour: '#d8c9ad',
    colourOptions: true,
  },
  'canvas-market-tote': { silhouette: 'tote', background: '#efdfd8', colour: '#e7dcc6', colourOptions: true },
  'leather-card-wallet': {
    silhouette: 'wallet',
    background: '#f1e2da',
    colour: '#b9854f',
    colourOptions: true,
  },
  'wool-blend-scarf': { silhouette: 'scarf', background: '#eedfd9', colour: '#9d9c9a', colourOptions: true },
  'stonewashed-linen-duvet': { silhouette: 'duvet', background: '#e6e2ec', colour: '#e4ddd0' },
  'percale-sheet-set': { silhouette: 'sheets', background: '#e2dfea', colour: '#f7f5f0' },
  'waffle-bath-towel': { silhouette: 'towel', background: '#e8e4ee', colour: '#f7f5f0', colourOptions: true },
  'turkish-cotton-robe': { silhouette: 'robe', background: '#e4e0ea', colour: '#f4f1ea' },
  'stoneware-mug-set': { silhouette: 'mugs', background: '#f2ead3', colour: '#eeeae2', colourOptions: true },
  'linen-napkins': { silhouette: 'napkins', background: '#efe8d2', colour: '#e7dcc6', colourOptions: true },
  'olive-wood-serving-board': { silhouette: 'board', background: '#f1e9d5', colour: '#b98b58' },
  'hand-blown-glass-carafe': {
    silhouette: 'carafe',
    background: '#ede6cf',
    colour: '#d7e6e3',
    colourOptions: true,
  },
};

const FALLBACK: ProductArt = { silhouette: 'tote', background: '#ece7df', colour: '#d9d2c5' };

export const artOf = (slug: string): ProductArt => PRODUCT_ART[slug] ?? FALLBACK;

/** Whether a product's options are colours (swatches rather than size buttons). */
export const hasColourOptions = (slug: string) => artOf(slug).colourOptions === true;

/** The file name stem of a product's picture, per colour where colours have their own. */
export function imageStem(slug: string, option?: string): string {
  return option && hasColourOptions(slug) ? `${slug}--${optionCode(option).toLowerCase()}` : slug;
}

/**
 * The storefront's picture of a product (in a given colour). The SVG is the page image; a JPEG of the
 * default picture sits beside it at `/products/<slug>.jpg` for emails and Klaviyo's catalog, which
 * cannot show SVG.
 */
export const productImage = (slug: string, option?: string) => `/products/${imageStem(slug, option)}.svg`;
