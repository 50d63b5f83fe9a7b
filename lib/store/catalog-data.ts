/**
 * The demo store's catalog: the app owns it (product pages, cart and checkout read it), and the
 * emulator seeds its Klaviyo catalog from the same data so catalog ids and event ids line up.
 * Plain data with no imports, so the browser, the server and the emulator can all read it.
 */

export interface DemoCategory {
  /** The category's external_id. */
  slug: string;
  name: string;
}

export interface DemoProduct {
  /** The item's external_id, its page /products/<slug> and its image /products/<slug>.jpg. */
  slug: string;
  title: string;
  description: string;
  /** The item's price; a variant costs this unless `prices` gives its own. */
  price: number;
  /** SKU stem; a variant's SKU is `<sku>-<OPTION>`. */
  sku: string;
  categories: string[];
  /** Variant option names: sizes, colours or dimensions. */
  options: string[];
  /** Per-option prices, in the order of `options`. */
  prices?: number[];
  /** Options with no stock, for back in stock flows. */
  soldOut?: string[];
  /** Defaults to true; an unpublished item is kept out of feeds. */
  published?: boolean;
}

export const DEMO_CATEGORIES: readonly DemoCategory[] = [
  { slug: 'tops', name: 'Tops' },
  { slug: 'bottoms', name: 'Bottoms' },
  { slug: 'outerwear', name: 'Outerwear' },
  { slug: 'accessories', name: 'Accessories' },
  { slug: 'bed-bath', name: 'Bed & Bath' },
  { slug: 'kitchen-table', name: 'Kitchen & Table' },
];

const SIZES = ['S', 'M', 'L', 'XL'];

/** The demo store's products: everyday apparel and home goods from a small direct-to-consumer shop. */
export const DEMO_PRODUCTS: readonly DemoProduct[] = [
  {
    slug: 'organic-cotton-tee',
    title: 'Organic Cotton Tee',
    description: 'A midweight crew-neck tee in GOTS-certified organic cotton, garment-dyed for a soft hand.',
    price: 32,
    sku: 'TEE',
    categories: ['tops'],
    options: SIZES,
    soldOut: ['XL'],
  },
  {
    slug: 'linen-button-down',
    title: 'Linen Button-Down Shirt',
    description: 'Breathable European linen with a relaxed fit, corozo buttons and a curved hem.',
    price: 78,
    sku: 'LBD',
    categories: ['tops'],
    options: ['S', 'M', 'L'],
  },
  {
    slug: 'merino-crew-sweater',
    title: 'Merino Crew Sweater',
    description: 'Fine-gauge extra-fine merino that layers under a jacket and washes on a wool cycle.',
    price: 118,
    sku: 'MCS',
    categories: ['tops'],
    options: ['Oat', 'Charcoal', 'Moss'],
  },
  {
    slug: 'striped-breton-top',
    title: 'Striped Breton Top',
    description: 'A classic boat-neck stripe knit from heavyweight cotton jersey.',
    price: 54,
    sku: 'BRT',
    categories: ['tops'],
    options: ['XS', 'S', 'M', 'L'],
  },
  {
    slug: 'relaxed-chino',
    title: 'Relaxed Chino',
    description: 'Cotton twill chinos with a little stretch, a roomy thigh and a tapered leg.',
    price: 88,
    sku: 'CHN',
    categories: ['bottoms'],
    options: ['30', '32', '34', '36'],
  },
  {
    slug: 'wide-leg-linen-pant',
    title: 'Wide-Leg Linen Pant',
    description: 'An easy pull-on pant in washed linen with deep pockets and an elastic back waist.',
    price: 92,
    sku: 'WLP',
    categories: ['bottoms'],
    options: ['S', 'M', 'L'],
  },
  {
    slug: 'everyday-jogger',
    title: 'Everyday Jogger',
    description: 'Loopback French terry joggers with a drawcord waist and ribbed cuffs.',
    price: 68,
    sku: 'JOG',
    categories: ['bottoms'],
    options: SIZES,
    soldOut: ['S'],
  },
  {
    slug: 'denim-work-short',
    title: 'Denim Work Short',
    description: 'Rigid selvedge denim shorts with a utility pocket, back for summer.',
    price: 58,
    sku: 'DWS',
    categories: ['bottoms'],
    options: ['30', '32', '34'],
    published: false,
  },
  {
    slug: 'waxed-canvas-jacket',
    title: 'Waxed Canvas Jacket',
    description: 'A chore-style jacket in waxed cotton canvas with a corduroy collar and blanket lining.',
    price: 198,
    sku: 'WCJ',
    categories: ['outerwear'],
    options: ['S', 'M', 'L'],
    soldOut: ['M'],
  },
  {
    slug: 'quilted-liner-vest',
    title: 'Quilted Liner Vest',
    description: 'A lightweight diamond-quilted vest with recycled insulation and snap front.',
    price: 110,
    sku: 'QLV',
    categories: ['outerwear'],
    options: SIZES,
  },
  {
    slug: 'wool-overshirt',
    title: 'Wool Overshirt',
    description: 'A brushed wool-blend shirt jacket for the weeks between seasons.',
    price: 145,
    sku: 'WOS',
    categories: ['outerwear', 'tops'],
    options: ['M', 'L'],
  },
  {
    slug: 'packable-rain-shell',
    title: 'Packable Rain Shell',
    description: 'A seam-taped waterproof shell that stuffs into its own chest pocket.',
    price: 128,
    sku: 'PRS',
    categories: ['outerwear'],
    options: ['S', 'M', 'L'],
  },
  {
    slug: 'ribbed-merino-beanie',
    title: 'Ribbed Merino Beanie',
    description: 'A fisherman-rib beanie knit from soft, non-itchy merino.',
    price: 36,
    sku: 'BNE',
    categories: ['accessories'],
    options: ['Oat', 'Charcoal', 'Rust'],
  },
  {
    slug: 'canvas-market-tote',
    title: 'Canvas Market Tote',
    description: 'A heavyweight canvas tote with leather handles and an inside zip pocket.',
    price: 42,
    sku: 'TOT',
    categories: ['accessories'],
    options: ['Natural', 'Olive'],
  },
  {
    slug: 'leather-card-wallet',
    title: 'Leather Card Wallet',
    description: 'A slim vegetable-tanned leather wallet with four card slots and a cash sleeve.',
    price: 48,
    sku: 'LCW',
    categories: ['accessories'],
    options: ['Tan', 'Black'],
    soldOut: ['Tan'],
  },
  {
    slug: 'wool-blend-scarf',
    title: 'Wool Blend Scarf',
    description: 'A generous brushed scarf in a wool and cashmere blend.',
    price: 64,
    sku: 'SCF',
    categories: ['accessories'],
    options: ['Grey', 'Camel', 'Navy'],
  },
  {
    slug: 'stonewashed-linen-duvet',
    title: 'Stonewashed Linen Duvet Cover',
    description: 'Pre-washed French flax linen that softens with every wash; button closure.',
    price: 189,
    sku: 'DUV',
    categories: ['bed-bath'],
    options: ['Full', 'Queen', 'King'],
    prices: [189, 219, 249],
  },
  {
    slug: 'percale-sheet-set',
    title: 'Percale Sheet Set',
    description:
      'Crisp, cool 300-thread-count cotton percale: a flat sheet, fitted sheet and two pillowcases.',
    price: 120,
    sku: 'SHT',
    categories: ['bed-bath'],
    options: ['Twin', 'Queen', 'King'],
    prices: [120, 150, 170],
  },
  {
    slug: 'waffle-bath-towel',
    title: 'Waffle Bath Towel',
    description: 'A quick-drying Turkish cotton waffle towel that gets more absorbent over time.',
    price: 38,
    sku: 'WBT',
    categories: ['bed-bath'],
    options: ['White', 'Sage', 'Clay'],
  },
  {
    slug: 'turkish-cotton-robe',
    title: 'Turkish Cotton Robe',
    description: 'A lightweight waffle-weave robe with a shawl collar and patch pockets.',
    price: 96,
    sku: 'ROB',
    categories: ['bed-bath'],
    options: ['S/M', 'L/XL'],
    soldOut: ['L/XL'],
  },
  {
    slug: 'stoneware-mug-set',
    title: 'Stoneware Mug Set',
    description: 'Two wheel-thrown stoneware mugs with a speckled glaze; dishwasher safe.',
    price: 48,
    sku: 'MUG',
    categories: ['kitchen-table'],
    options: ['Speckled White', 'Slate'],
  },
  {
    slug: 'linen-napkins',
    title: 'Linen Napkins (Set of 4)',
    description: 'Stonewashed linen napkins with mitred corners, made to be used every day.',
    price: 36,
    sku: 'NAP',
    categories: ['kitchen-table'],
    options: ['Natural', 'Indigo', 'Terracotta'],
  },
  {
    slug: 'olive-wood-serving-board',
    title: 'Olive Wood Serving Board',
    description: 'A single piece of Tunisian olive wood, finished with food-safe oil.',
    price: 45,
    sku: 'OWB',
    categories: ['kitchen-table'],
    options: ['Small', 'Large'],
    prices: [45, 75],
  },
  {
    slug: 'hand-blown-glass-carafe',
    title: 'Hand-Blown Glass Carafe',
    description: 'A one-litre carafe with a tumbler that doubles as its lid.',
    price: 52,
    sku: 'CRF',
    categories: ['kitchen-table'],
    options: ['Clear', 'Amber'],
  },
];

/**
 * `S/M` -> `S-M`, `Speckled White` -> `SPECKLED-WHITE`: the option's part of a SKU or external id.
 * Shared with the emulator's seed, so a variant's SKU and Klaviyo catalog id are the same on both sides.
 */
export const optionCode = (option: string) => option.toUpperCase().replace(/[^A-Z0-9]+/g, '-');
