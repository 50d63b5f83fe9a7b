/**
 * Draws the demo store's product pictures: one SVG per product (and per colour, where the options are
 * colours) in public/products/, plus a JPEG of each product's default picture for emails and Klaviyo's
 * catalog (events and the emulator's catalog seed name `/products/<slug>.jpg`; mail clients cannot show
 * SVG). The JPEGs are rendered by Chromium when it is installed (CHROMIUM_PATH, default /usr/bin/chromium).
 *
 *   npx tsx scripts/generate-product-images.ts [--svg-only]
 *
 * Art direction: a soft colour field with a lighter centre, one flat silhouette with a soft shadow,
 * darker seams and stitching, and a small catalogue caption. Everything is deterministic, so a re-run
 * rewrites identical files.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PRODUCTS, type DemoProduct } from '../lib/store/catalog-data';
import { artOf, imageStem, OPTION_COLOURS, type Silhouette } from '../lib/store/product-art';

const OUT = join(process.cwd(), 'public/products');
const W = 800;
const H = 1000;

// ---- colour -----------------------------------------------------------------------------------------

const rgb = (hex: string) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as number[];
const hexOf = (c: number[]) => `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
const mix = (a: string, b: string, t: number) => {
  const [x, y] = [rgb(a), rgb(b)];
  return hexOf(x.map((v, i) => v + ((y[i] as number) - v) * t));
};
const luminance = (hex: string) => {
  const [r, g, b] = rgb(hex) as [number, number, number];
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
};

interface Palette {
  fill: string;
  shade: string;
  deep: string;
  line: string;
  light: string;
}

function palette(fill: string): Palette {
  // Dark fabrics show their seams as lighter lines; pale ones need relatively darker seams to read.
  if (luminance(fill) < 0.32) {
    return {
      fill,
      shade: mix(fill, '#000000', 0.12),
      deep: mix(fill, '#000000', 0.3),
      line: mix(fill, '#ffffff', 0.28),
      light: mix(fill, '#ffffff', 0.35),
    };
  }
  const k = luminance(fill) > 0.8 ? 1.4 : 1;
  return {
    fill,
    shade: mix(fill, '#1b1a17', 0.08 * k),
    deep: mix(fill, '#1b1a17', 0.18 * k),
    line: mix(fill, '#1b1a17', 0.32 * k),
    light: mix(fill, '#ffffff', 0.35),
  };
}

// ---- drawing helpers --------------------------------------------------------------------------------

/** A filled outline; `fill` overrides the palette's colour (cuffs, bands and pockets in a shade). */
const shape = (d: string, p: Palette, fill = p.fill) =>
  `<path d="${d}" fill="${fill}" stroke="${p.line}" stroke-width="3" stroke-linejoin="round" stroke-opacity="0.55"/>`;
const seam = (d: string, p: Palette, width = 3, opacity = 0.6) =>
  `<path d="${d}" fill="none" stroke="${p.line}" stroke-width="${width}" stroke-linecap="round" stroke-opacity="${opacity}"/>`;
const stitch = (d: string, p: Palette, colour = p.line) =>
  `<path d="${d}" fill="none" stroke="${colour}" stroke-width="2.5" stroke-dasharray="9 7" stroke-linecap="round" stroke-opacity="0.6"/>`;
const fillPath = (d: string, colour: string, extra = '') => `<path d="${d}" fill="${colour}" ${extra}/>`;
const button = (x: number, y: number, p: Palette, r = 7) =>
  `<circle cx="${x}" cy="${y}" r="${r}" fill="${p.deep}" stroke="${p.line}" stroke-width="2" stroke-opacity="0.5"/>`;
const floorShadow = (cx: number, cy: number, rx: number) =>
  `<ellipse cx="${cx}" cy="${cy}" rx="${rx}" ry="${Math.round(rx * 0.09)}" fill="#000" fill-opacity="0.08"/>`;

/** Lines clipped to a shape (ribbing, stripes, quilting, waffle weave). */
let clipCount = 0;
function clipped(d: string, content: string): string {
  const id = `clip${clipCount++}`;
  return `<clipPath id="${id}"><path d="${d}"/></clipPath><g clip-path="url(#${id})">${content}</g>`;
}
const range = (from: number, to: number, step: number) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

/** A small deterministic random sequence, for speckles and grain. */
function seeded(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1664525 + 1013904223) % 4294967296;
    return s / 4294967296;
  };
}

// ---- silhouettes ------------------------------------------------------------------------------------

type Draw = (p: Palette, slug: string) => string;

const tee: Draw = (p) => {
  const body =
    'M335,225 Q400,268 465,225 L560,250 L662,356 L602,412 L562,372 L566,762 Q400,774 234,762 L238,372 L198,412 L138,356 L240,250 Z';
  return [
    fillPath('M335,225 Q400,268 465,225 Q400,240 335,225 Z', p.deep),
    shape(body, p),
    seam('M335,225 Q400,268 465,225', p, 10, 0.35),
    stitch('M648,344 L590,398', p),
    stitch('M152,344 L210,398', p),
    stitch('M240,740 Q400,752 562,740', p),
    seam('M240,250 Q250,310 238,372', p, 2, 0.3),
    seam('M560,250 Q550,310 562,372', p, 2, 0.3),
  ].join('');
};

const shirtBody =
  'M345,215 L455,215 L565,245 L680,650 L625,668 L570,400 L575,760 Q400,805 225,760 L230,400 L175,668 L120,650 L235,245 Z';

function collarAndPlacket(p: Palette, buttons = [335, 425, 515, 605, 695]) {
  return [
    fillPath('M345,215 Q400,235 455,215 L400,262 Z', p.deep),
    shape('M345,212 L400,262 L372,308 L318,242 Z', p),
    shape('M455,212 L400,262 L428,308 L482,242 Z', p),
    seam('M400,262 L400,790', p, 3, 0.55),
    seam('M412,262 L412,790', p, 2, 0.3),
    ...buttons.map((y) => button(406, y, p, 6)),
  ].join('');
}

const shirt: Draw = (p) =>
  [
    shape(shirtBody, p),
    seam('M235,245 Q245,320 230,400', p, 2, 0.3),
    seam('M565,245 Q555,320 570,400', p, 2, 0.3),
    seam('M668,612 L613,630', p, 3, 0.5),
    seam('M132,612 L187,630', p, 3, 0.5),
    `<rect x="440" y="345" width="64" height="74" rx="4" fill="none" stroke="${p.line}" stroke-width="2.5" stroke-opacity="0.5"/>`,
    collarAndPlacket(p),
  ].join('');

const sweater: Draw = (p) => {
  const body =
    'M340,222 Q400,262 460,222 L570,250 L675,640 L622,660 L575,420 L575,712 L225,712 L225,420 L178,660 L125,640 L230,250 Z';
  const hem = 'M225,712 L575,712 L575,762 L225,762 Z';
  const cuffR = 'M675,640 L685,680 L632,700 L622,660 Z';
  const cuffL = 'M125,640 L115,680 L168,700 L178,660 Z';
  const ribs = (d: string, xs: number[]) =>
    clipped(d, xs.map((x) => seam(`M${x},600 L${x + 12},800`, p, 2, 0.35)).join(''));
  return [
    fillPath('M340,222 Q400,262 460,222 Q400,236 340,222 Z', p.deep),
    shape(body, p),
    shape(hem, p, p.shade),
    ribs(hem, range(220, 580, 14)),
    shape(cuffR, p, p.shade),
    shape(cuffL, p, p.shade),
    ribs(cuffR, range(600, 700, 10)),
    ribs(cuffL, range(100, 200, 10)),
    seam('M340,222 Q400,266 460,222', p, 13, 0.35),
    seam('M230,250 Q242,330 225,420', p, 2, 0.3),
    seam('M570,250 Q558,330 575,420', p, 2, 0.3),
  ].join('');
};

const breton: Draw = (p) => {
  const body =
    'M315,232 Q400,252 485,232 L575,256 L672,520 L622,546 L574,402 L578,762 Q400,772 222,762 L226,402 L178,546 L128,520 L225,256 Z';
  const navy = '#2d3a5c';
  const stripes = range(290, 780, 42)
    .map((y) => `<rect x="80" y="${y}" width="640" height="15" fill="${navy}"/>`)
    .join('');
  return [
    fillPath('M315,232 Q400,252 485,232 Q400,240 315,232 Z', p.deep),
    shape(body, p),
    clipped(body, stripes),
    `<path d="${body}" fill="none" stroke="${p.line}" stroke-width="3" stroke-opacity="0.5" stroke-linejoin="round"/>`,
    seam('M315,232 Q400,252 485,232', p, 8, 0.3),
  ].join('');
};

function trousersWith(legs: string, p: Palette, extra: string[]) {
  return [shape(legs, p), shape('M283,215 L517,215 L519,262 L281,262 Z', p, p.shade), ...extra].join('');
}

const trousers: Draw = (p) =>
  trousersWith('M281,262 L519,262 L534,520 L516,800 L418,800 L400,430 L382,800 L284,800 L266,520 Z', p, [
    seam('M412,262 L412,372 Q412,398 392,402', p, 2.5, 0.5),
    seam('M300,262 L334,346', p, 2.5, 0.5),
    seam('M500,262 L466,346', p, 2.5, 0.5),
    ...[318, 400, 482].map(
      (x) =>
        `<rect x="${x - 6}" y="208" width="12" height="32" rx="3" fill="${p.shade}" stroke="${p.line}" stroke-width="2" stroke-opacity="0.5"/>`,
    ),
    button(400, 238, p, 6),
    stitch('M287,778 L380,778', p),
    stitch('M420,778 L513,778', p),
    seam('M340,262 L342,520', p, 2, 0.2),
    seam('M460,262 L458,520', p, 2, 0.2),
  ]);

const wideTrousers: Draw = (p) =>
  trousersWith('M281,262 L519,262 L578,800 L422,800 L400,440 L378,800 L222,800 Z', p, [
    ...range(292, 512, 16).map((x) => seam(`M${x},219 L${x},259`, p, 2, 0.35)),
    seam('M300,262 L326,350', p, 2.5, 0.5),
    seam('M500,262 L474,350', p, 2.5, 0.5),
    seam('M350,262 Q340,520 300,800', p, 2, 0.18),
    seam('M450,262 Q460,520 500,800', p, 2, 0.18),
    stitch('M226,776 L378,776', p),
    stitch('M422,776 L574,776', p),
  ]);

const jogger: Draw = (p) => {
  const cuffs = ['M295,740 L380,740 L378,788 L297,788 Z', 'M420,740 L505,740 L503,788 L422,788 Z'];
  return trousersWith(
    'M281,262 L519,262 L538,500 L505,742 L420,742 L400,432 L380,742 L295,742 L262,500 Z',
    p,
    [
      ...cuffs.map((d) => shape(d, p, p.shade)),
      ...cuffs.map((d) =>
        clipped(
          d,
          range(290, 510, 9)
            .map((x) => seam(`M${x},735 L${x},795`, p, 2, 0.3))
            .join(''),
        ),
      ),
      seam('M394,250 Q386,300 380,338', p, 4, 0.7),
      seam('M406,250 Q414,300 420,338', p, 4, 0.7),
      seam('M300,262 Q320,330 336,350', p, 2.5, 0.45),
      seam('M500,262 Q480,330 464,350', p, 2.5, 0.45),
    ],
  );
};

const shorts: Draw = (p) => {
  const contrast = '#d9a45b';
  return trousersWith('M281,262 L519,262 L550,528 L414,540 L400,430 L386,540 L250,528 Z', p, [
    stitch('M256,506 L386,517', p, contrast),
    stitch('M414,517 L544,506', p, contrast),
    stitch('M412,262 L412,370 Q412,396 392,400', p, contrast),
    stitch('M300,262 Q316,320 346,330', p, contrast),
    stitch('M500,262 Q484,320 454,330', p, contrast),
    `<rect x="478" y="360" width="54" height="70" rx="4" fill="${p.shade}" stroke="${p.line}" stroke-width="2" stroke-opacity="0.6"/>`,
    stitch('M484,368 L526,368', p, contrast),
    button(400, 238, p, 7),
  ]);
};

const jacketBody =
  'M335,215 L465,215 L580,250 L682,662 L626,682 L582,420 L586,792 L214,792 L218,420 L174,682 L118,662 L220,250 Z';

const choreJacket: Draw = (p) => {
  const pocket = (x: number, y: number, w: number, h: number) =>
    `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="5" fill="${p.shade}" stroke="${p.line}" stroke-width="2.5" stroke-opacity="0.55"/>` +
    stitch(`M${x + 8},${y + 12} L${x + w - 8},${y + 12}`, p);
  const cord = palette('#5b4631');
  return [
    shape(jacketBody, p),
    seam('M400,300 L400,792', p, 3, 0.6),
    ...[360, 450, 540, 630, 720].map((y) => button(414, y, p, 8)),
    pocket(250, 360, 96, 90),
    pocket(244, 560, 124, 120),
    pocket(432, 560, 124, 120),
    seam('M220,250 Q232,330 218,420', p, 2, 0.3),
    seam('M580,250 Q568,330 582,420', p, 2, 0.3),
    seam('M670,620 L614,640', p, 3, 0.5),
    seam('M130,620 L186,640', p, 3, 0.5),
    fillPath('M335,215 Q400,235 465,215 L400,300 Z', p.deep),
    shape('M338,211 L400,300 L346,338 L290,250 Z', cord),
    shape('M462,211 L400,300 L454,338 L510,250 Z', cord),
  ].join('');
};

const vest: Draw = (p) => {
  const body = 'M340,215 L460,215 L546,244 Q548,332 590,402 L590,782 L210,782 L210,402 Q252,332 254,244 Z';
  const quilt = [
    ...range(-400, 800, 56).map((x) => seam(`M${x},200 L${x + 600},800`, p, 2, 0.35)),
    ...range(0, 1200, 56).map((x) => seam(`M${x},200 L${x - 600},800`, p, 2, 0.35)),
  ].join('');
  return [
    fillPath('M340,215 L400,330 L460,215 Q400,232 340,215 Z', p.deep),
    shape(body, p),
    clipped(body, quilt),
    fillPath('M340,215 L400,330 L460,215 L448,213 L400,306 L352,213 Z', p.shade),
    seam('M400,330 L400,782', p, 3, 0.6),
    ...[380, 460, 540, 620, 700].map((y) => button(400, y, palette('#b9b4a8'), 6)),
    `<path d="${body}" fill="none" stroke="${p.line}" stroke-width="3" stroke-opacity="0.55" stroke-linejoin="round"/>`,
    `<path d="M210,760 L590,760" stroke="${p.line}" stroke-width="2" stroke-opacity="0.4"/>`,
  ].join('');
};

const overshirt: Draw = (p) => {
  const checks = [
    ...range(100, 700, 64).map(
      (x) => `<rect x="${x}" y="150" width="18" height="700" fill="${p.deep}" fill-opacity="0.35"/>`,
    ),
    ...range(160, 820, 64).map(
      (y) => `<rect x="80" y="${y}" width="640" height="18" fill="${p.deep}" fill-opacity="0.35"/>`,
    ),
  ].join('');
  const flap = (x: number) =>
    `<rect x="${x}" y="330" width="86" height="86" rx="4" fill="none" stroke="${p.line}" stroke-width="2.5" stroke-opacity="0.6"/>` +
    `<path d="M${x},330 L${x + 86},330 L${x + 86},356 L${x + 43},366 L${x},356 Z" fill="${p.shade}" stroke="${p.line}" stroke-width="2.5" stroke-opacity="0.6"/>` +
    button(x + 43, 356, p, 5);
  return [
    shape(jacketBody, p),
    clipped(jacketBody, checks),
    `<path d="${jacketBody}" fill="none" stroke="${p.line}" stroke-width="3" stroke-opacity="0.55" stroke-linejoin="round"/>`,
    flap(258),
    flap(456),
    seam('M670,620 L614,640', p, 3, 0.5),
    seam('M130,620 L186,640', p, 3, 0.5),
    collarAndPlacket(p, [300, 400, 500, 600, 700]),
  ].join('');
};

const shell: Draw = (p) =>
  [
    shape('M312,262 Q300,118 400,112 Q500,118 488,262 Z', p),
    fillPath('M344,246 Q340,150 400,146 Q460,150 456,246 Z', p.deep),
    shape(jacketBody, p),
    shape('M330,226 Q400,296 470,226 L470,246 Q400,316 330,246 Z', p, p.shade),
    seam('M400,270 L400,792', p, 4, 0.7),
    `<rect x="394" y="300" width="12" height="26" rx="3" fill="${p.line}"/>`,
    seam('M452,370 L540,336', p, 3, 0.6),
    seam('M220,250 Q232,330 218,420', p, 2, 0.3),
    seam('M580,250 Q568,330 582,420', p, 2, 0.3),
    seam('M214,770 L586,770', p, 2, 0.4),
    `<rect x="244" y="772" width="10" height="26" rx="4" fill="${p.line}"/><rect x="546" y="772" width="10" height="26" rx="4" fill="${p.line}"/>`,
    seam('M670,620 L614,640', p, 3, 0.5),
    seam('M130,620 L186,640', p, 3, 0.5),
  ].join('');

const beanie: Draw = (p) => {
  const dome = 'M262,640 L262,500 Q262,300 400,294 Q538,300 538,500 L538,640 Z';
  const cuff = 'M250,600 Q400,620 550,600 L550,720 Q400,740 250,720 Z';
  const ribs = (d: string) =>
    clipped(
      d,
      range(250, 560, 19)
        .map((x) => seam(`M${x},280 L${x},760`, p, 6, 0.22))
        .join(''),
    );
  return [
    floorShadow(400, 760, 200),
    shape(dome, p),
    ribs(dome),
    shape(cuff, p, p.shade),
    ribs(cuff),
    `<path d="${cuff}" fill="none" stroke="${p.line}" stroke-width="3" stroke-opacity="0.5"/>`,
    `<rect x="374" y="640" width="52" height="40" rx="3" fill="#f3efe6" stroke="${p.line}" stroke-width="2" stroke-opacity="0.5"/>`,
  ].join('');
};

const tote: Draw = (p) => {
  const leather = palette('#8a5a35');
  return [
    floorShadow(400, 812, 230),
    seam('M322,432 C322,300 478,300 478,432', leather, 14, 0.5),
    shape('M226,420 L574,420 L594,804 L206,804 Z', p),
    stitch('M228,456 L572,456', p),
    `<path d="M296,428 C296,250 504,250 504,428" fill="none" stroke="${leather.fill}" stroke-width="16" stroke-linecap="round"/>`,
    ...[296, 504].map(
      (x) =>
        `<rect x="${x - 14}" y="418" width="28" height="44" rx="4" fill="${leather.fill}"/>${button(x, 446, leather, 4)}`,
    ),
    seam('M232,780 L588,780', p, 2, 0.25),
  ].join('');
};

const wallet: Draw = (p) => {
  const cards = [
    `<rect x="262" y="332" width="250" height="150" rx="12" fill="#e8e1d4" stroke="#8d8577" stroke-width="2" stroke-opacity="0.5"/>`,
    `<rect x="300" y="356" width="250" height="150" rx="12" fill="#7c93a8" stroke="#4f6172" stroke-width="2" stroke-opacity="0.5"/>`,
  ];
  return [
    floorShadow(400, 690, 230),
    ...cards,
    shape(
      'M210,396 L590,396 Q606,396 606,412 L606,640 Q606,660 586,660 L214,660 Q194,660 194,640 L194,412 Q194,396 210,396 Z',
      p,
    ),
    seam('M194,436 Q400,468 606,436', p, 3, 0.45),
    seam('M194,486 Q400,518 606,486', p, 3, 0.45),
    stitch('M212,414 L588,414 L588,642 L212,642 Z', p, p.light),
  ].join('');
};

const scarf: Draw = (p) => {
  const wood = palette('#b48c60');
  const fringe = (x0: number, x1: number, y: number) =>
    range(x0, x1, 9)
      .map((x) => seam(`M${x},${y} L${x + 2},${y + 34}`, p, 3, 0.9))
      .join('');
  return [
    `<rect x="150" y="196" width="500" height="20" rx="10" fill="${wood.fill}" stroke="${wood.line}" stroke-width="2" stroke-opacity="0.5"/>`,
    shape('M410,206 L528,206 L520,742 L420,742 Z', p, p.shade),
    fringe(424, 516, 742),
    shape('M282,206 L428,206 L412,792 L292,792 Z', p),
    fringe(296, 408, 792),
    seam('M300,760 L410,760', p, 5, 0.35),
    seam('M302,740 L410,740', p, 3, 0.25),
    seam('M350,206 Q340,500 352,792', p, 2, 0.18),
  ].join('');
};

const slab = (x: number, y: number, w: number, h: number, p: Palette) =>
  shape(
    `M${x + 24},${y} L${x + w - 24},${y} Q${x + w},${y} ${x + w},${y + h / 2} Q${x + w},${y + h} ${x + w - 24},${y + h} L${x + 24},${y + h} Q${x},${y + h} ${x},${y + h / 2} Q${x},${y} ${x + 24},${y} Z`,
    p,
  );

const duvet: Draw = (p) =>
  [
    floorShadow(400, 742, 260),
    slab(170, 540, 460, 190, p),
    seam('M190,640 Q400,620 610,646', p, 2, 0.3),
    slab(200, 372, 400, 180, p),
    seam('M220,470 Q400,450 580,474', p, 2, 0.3),
    seam('M214,526 L586,526', p, 2.5, 0.45),
    ...range(250, 560, 62).map((x) => button(x, 526, palette('#efe9dc'), 6)),
    seam('M176,600 Q230,590 260,606', p, 2, 0.25),
    seam('M560,420 Q590,410 598,430', p, 2, 0.25),
  ].join('');

const sheets: Draw = (p) => {
  const band = palette('#c9b99c');
  return [
    floorShadow(400, 776, 250),
    slab(180, 664, 440, 100, palette(mix(p.fill, '#cfc8bd', 0.15))),
    slab(190, 566, 420, 100, p),
    slab(196, 468, 408, 100, palette(mix(p.fill, '#cfc8bd', 0.1))),
    slab(204, 370, 392, 100, p),
    `<rect x="370" y="360" width="60" height="414" fill="${band.fill}" stroke="${band.line}" stroke-width="2" stroke-opacity="0.5"/>`,
    `<rect x="356" y="420" width="88" height="64" rx="4" fill="#f4efe4" stroke="${band.line}" stroke-width="2" stroke-opacity="0.6"/>`,
    seam('M372,444 L428,444', band, 3, 0.6),
    seam('M382,460 L418,460', band, 3, 0.4),
  ].join('');
};

const towel: Draw = (p) => {
  const wood = palette('#b48c60');
  const panel = 'M246,248 L554,248 L554,772 Q554,782 544,782 L256,782 Q246,782 246,772 Z';
  const waffle = [
    ...range(250, 560, 22).map((x) => seam(`M${x},250 L${x},730`, p, 3, 0.3)),
    ...range(252, 730, 22).map((y) => seam(`M246,${y} L554,${y}`, p, 3, 0.3)),
  ].join('');
  return [
    `<rect x="160" y="232" width="480" height="22" rx="11" fill="${wood.fill}" stroke="${wood.line}" stroke-width="2" stroke-opacity="0.5"/>`,
    shape('M246,222 L554,222 L554,250 L246,250 Z', p, p.shade),
    shape(panel, p),
    clipped('M246,250 L554,250 L554,728 L246,728 Z', waffle),
    shape('M246,728 L554,728 L554,772 Q554,782 544,782 L256,782 Q246,782 246,772 Z', p, p.shade),
  ].join('');
};

const robe: Draw = (p) => {
  const body =
    'M330,200 L470,200 L600,256 L704,520 L634,560 L590,462 L600,800 L200,800 L210,462 L166,560 L96,520 L200,256 Z';
  return [
    fillPath('M330,200 L470,200 L400,470 Z', p.deep),
    shape(body, p),
    fillPath('M330,200 L364,200 L408,470 L400,500 Z', p.shade),
    fillPath('M470,200 L436,200 L392,470 L400,500 Z', p.shade),
    seam('M330,200 L400,500 L470,200', p, 3, 0.5),
    seam('M400,500 L412,800', p, 2.5, 0.45),
    shape('M206,492 L594,492 L594,530 L206,530 Z', p, p.shade),
    shape('M376,500 L424,500 L424,524 L376,524 Z', p, p.deep),
    shape('M386,524 L366,690 L390,692 L404,526 Z', p, p.shade),
    shape('M414,524 L446,680 L470,676 L426,522 Z', p, p.shade),
    `<rect x="236" y="580" width="100" height="100" rx="6" fill="none" stroke="${p.line}" stroke-width="2.5" stroke-opacity="0.5"/>`,
    `<rect x="466" y="580" width="100" height="100" rx="6" fill="none" stroke="${p.line}" stroke-width="2.5" stroke-opacity="0.5"/>`,
    seam('M690,490 L624,528', p, 3, 0.4),
    seam('M110,490 L176,528', p, 3, 0.4),
  ].join('');
};

const mugs: Draw = (p, slug) => {
  const rand = seeded(slug.length * 7919);
  const speckles = (x: number, y: number, w: number, h: number) =>
    Array.from({ length: 46 }, () => {
      const cx = x + 8 + rand() * (w - 16);
      const cy = y + 12 + rand() * (h - 24);
      return `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="${(1.4 + rand() * 2).toFixed(1)}" fill="${p.line}" fill-opacity="0.55"/>`;
    }).join('');
  const mug = (x: number, y: number, w: number, h: number) => {
    const d = `M${x},${y} L${x + w},${y} L${x + w - 6},${y + h - 18} Q${x + w - 8},${y + h} ${x + w - 26},${y + h} L${x + 26},${y + h} Q${x + 8},${y + h} ${x + 6},${y + h - 18} Z`;
    return [
      floorShadow(x + w / 2 + 20, y + h + 6, w * 0.7),
      `<path d="M${x + w - 4},${y + 40} C${x + w + 70},${y + 40} ${x + w + 70},${y + 150} ${x + w - 8},${y + 150}" fill="none" stroke="${p.line}" stroke-width="28" stroke-opacity="0.55"/>`,
      `<path d="M${x + w - 4},${y + 40} C${x + w + 66},${y + 40} ${x + w + 66},${y + 150} ${x + w - 8},${y + 150}" fill="none" stroke="${p.fill}" stroke-width="22"/>`,
      shape(d, p),
      `<ellipse cx="${x + w / 2}" cy="${y}" rx="${w / 2}" ry="10" fill="${p.deep}" stroke="${p.line}" stroke-width="2" stroke-opacity="0.5"/>`,
      clipped(d, speckles(x, y, w, h)),
      seam(`M${x + 8},${y + h - 40} L${x + w - 8},${y + h - 40}`, p, 2, 0.25),
    ].join('');
  };
  return [mug(170, 420, 190, 240), mug(400, 480, 190, 240)].join('');
};

const napkins: Draw = (p) => {
  const square = (rot: number, dy: number, tone: number) => {
    const q = palette(mix(p.fill, '#1b1a17', tone));
    return `<g transform="rotate(${rot} 400 520) translate(0 ${dy})">${shape('M230,360 L570,360 L570,700 L230,700 Z', q)}${stitch('M248,378 L552,378 L552,682 L248,682 Z', q)}</g>`;
  };
  return [
    floorShadow(400, 760, 240),
    square(-5, 40, 0.06),
    square(3, 26, 0.03),
    square(-2, 12, 0.04),
    square(0, 0, 0),
    shape('M230,360 L570,360 L400,530 Z', p, p.shade),
    stitch('M262,378 L538,378 L400,512 Z', p),
  ].join('');
};

const board: Draw = (p, slug) => {
  const rand = seeded(slug.length * 104729);
  const outline =
    'M356,300 L356,250 Q356,206 400,206 Q444,206 444,250 L444,300 Q560,300 566,360 L566,760 Q566,806 520,806 L280,806 Q234,806 234,760 L234,360 Q240,300 356,300 Z';
  const grain = range(250, 560, 28)
    .map((x) => {
      const wobble = (rand() - 0.5) * 40;
      return seam(`M${x},300 C${x + wobble},450 ${x - wobble},620 ${x + wobble / 2},806`, p, 2.5, 0.35);
    })
    .join('');
  return [
    floorShadow(400, 812, 220),
    shape(outline, p),
    clipped(
      outline,
      `${grain}<ellipse cx="440" cy="560" rx="36" ry="18" fill="none" stroke="${p.line}" stroke-width="2.5" stroke-opacity="0.35"/>`,
    ),
    `<circle cx="400" cy="250" r="18" fill="${p.deep}" stroke="${p.line}" stroke-width="2" stroke-opacity="0.6"/>`,
    seam('M250,372 Q260,330 300,322', palette('#ffffff'), 6, 0.35),
  ].join('');
};

const carafe: Draw = (p) => {
  const body =
    'M350,330 L350,420 Q244,518 252,676 Q262,806 400,806 Q538,806 548,676 Q556,518 450,420 L450,330 Z';
  return [
    floorShadow(400, 812, 200),
    `<path d="${body}" fill="${p.fill}" fill-opacity="0.6" stroke="${p.line}" stroke-width="3" stroke-opacity="0.7"/>`,
    clipped(body, `<rect x="200" y="560" width="400" height="260" fill="${p.shade}" fill-opacity="0.45"/>`),
    seam('M262,560 Q400,578 538,560', p, 2.5, 0.5),
    `<path d="M330,214 L470,214 L460,336 L340,336 Z" fill="${p.fill}" fill-opacity="0.7" stroke="${p.line}" stroke-width="3" stroke-opacity="0.7"/>`,
    `<ellipse cx="400" cy="214" rx="70" ry="9" fill="${p.deep}" fill-opacity="0.6"/>`,
    seam('M296,560 Q292,690 344,770', palette('#ffffff'), 10, 0.55),
    seam('M352,236 L356,320', palette('#ffffff'), 6, 0.55),
  ].join('');
};

const DRAW: Record<Silhouette, Draw> = {
  tee,
  shirt,
  sweater,
  breton,
  trousers,
  'wide-trousers': wideTrousers,
  jogger,
  shorts,
  'chore-jacket': choreJacket,
  vest,
  overshirt,
  shell,
  beanie,
  tote,
  wallet,
  scarf,
  duvet,
  sheets,
  towel,
  robe,
  mugs,
  napkins,
  board,
  carafe,
};

// Objects that stand on the floor have their own shadow; garments lying flat get a soft drop shadow.
const STANDING = new Set<Silhouette>([
  'beanie',
  'tote',
  'wallet',
  'mugs',
  'napkins',
  'board',
  'carafe',
  'duvet',
  'sheets',
]);

// Small objects drawn high on the canvas are moved and enlarged to sit where the others do.
const PLACEMENT: Partial<Record<Silhouette, string>> = {
  shorts: 'translate(400 500) scale(1.3) translate(-400 -385)',
  wallet: 'translate(400 520) scale(1.1) translate(-400 -500)',
};

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function svgFor(product: DemoProduct, index: number, option?: string): string {
  clipCount = 0;
  const art = artOf(product.slug);
  const colour = (option && OPTION_COLOURS[option]) || art.colour;
  const p = palette(colour);
  const bg = art.background;
  const caption = mix(bg, '#1b1a17', 0.55);
  const drawing = DRAW[art.silhouette](p, product.slug);
  const filter = STANDING.has(art.silhouette) ? '' : ' filter="url(#lift)"';
  const place = PLACEMENT[art.silhouette] ? ` transform="${PLACEMENT[art.silhouette]}"` : '';
  const label = escapeXml(option && art.colourOptions ? `${product.title} — ${option}` : product.title);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${label}">
<defs>
<radialGradient id="field" cx="50%" cy="44%" r="70%"><stop offset="0" stop-color="${mix(bg, '#ffffff', 0.45)}"/><stop offset="1" stop-color="${bg}"/></radialGradient>
<filter id="lift" x="-20%" y="-20%" width="140%" height="140%"><feDropShadow dx="0" dy="14" stdDeviation="14" flood-color="#2a2118" flood-opacity="0.16"/></filter>
</defs>
<rect width="${W}" height="${H}" fill="url(#field)"/>
<g${filter}${place}>${drawing}</g>
<g font-family="'Helvetica Neue', Helvetica, Arial, sans-serif" font-size="17" letter-spacing="3" fill="${caption}">
<text x="48" y="952">${escapeXml(product.title.toUpperCase())}</text>
<text x="752" y="952" text-anchor="end">N° ${String(index + 1).padStart(2, '0')}</text>
</g>
</svg>
`;
}

async function renderJpegs(files: { svg: string; jpg: string }[]): Promise<void> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    console.warn(`[images] ${executablePath} not found: JPEGs not rendered (set CHROMIUM_PATH)`);
    return;
  }
  const { chromium } = await import('playwright');
  const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: W, height: H } });
    for (const { svg, jpg } of files) {
      await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
      await page.screenshot({ path: jpg, type: 'jpeg', quality: 84 });
    }
  } finally {
    await browser.close();
  }
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const jpegs: { svg: string; jpg: string }[] = [];
  let written = 0;
  DEMO_PRODUCTS.forEach((product, index) => {
    const art = artOf(product.slug);
    const main = svgFor(product, index, art.colourOptions ? product.options[0] : undefined);
    writeFileSync(join(OUT, `${product.slug}.svg`), main);
    jpegs.push({ svg: main, jpg: join(OUT, `${product.slug}.jpg`) });
    written++;
    if (!art.colourOptions) return;
    for (const option of product.options) {
      writeFileSync(join(OUT, `${imageStem(product.slug, option)}.svg`), svgFor(product, index, option));
      written++;
    }
  });
  if (!process.argv.includes('--svg-only')) await renderJpegs(jpegs);
  console.log(`[images] ${written} SVGs and ${jpegs.length} JPEGs in ${OUT}`);
}

await main();
