import { isoTime } from '../core/ids.js';
import type { Account } from '../store/account.js';
import type { Attributes, GroupRecord, ProfileRecord } from '../store/types.js';
import type { Random } from './random.js';

/**
 * The demo audience: about 2,000 shoppers of an outdoor-apparel store who signed up over the last
 * 18 months, with email/SMS consent, six lists and six segments. Each shopper gets a simulated
 * history (orders, last activity, consent dates) from which consent, list and segment membership
 * and join times are derived, so the numbers agree with one another. Everything is drawn from the
 * seeded Random and relative to the account clock, so a restart gives the same audience.
 */

const DAY = 86_400_000;
const PROFILE_COUNT = 2000;
const HISTORY_DAYS = 548; // 18 months

const words = (text: string) => text.trim().split(/\s+/);

const FIRST_NAMES = words(`
  Olivia Liam Emma Noah Ava Oliver Sophia Elijah Isabella James Mia William Amelia Benjamin Harper
  Lucas Evelyn Henry Abigail Alexander Emily Mason Ella Michael Elizabeth Ethan Camila Daniel Luna
  Jacob Sofia Logan Avery Jackson Mila Levi Aria Sebastian Scarlett Mateo Penelope Jack Layla Owen
  Chloe Theodore Victoria Aiden Madison Samuel Priya Arjun Mei Wei Yuki Hiro Fatima Omar Aaliyah
  Malik Sofía Diego Lucía Javier Chiara Luca Freya Finn Ingrid Lars Zoe Nathan Grace Caleb Hannah
  Isaac Nora Julian Ruby Ezra
`);

const LAST_NAMES = words(`
  Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez
  Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark
  Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams
  Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Patel Shah Chen Wang Kim Park Tanaka Sato
  Khan Ali O'Brien Murphy Kelly Rossi Bianchi Schmidt Müller Larsen Nilsen Dubois
`);

// Weighted by repetition: consumer mailbox providers dominate a storefront's audience.
const DOMAINS = words(`
  gmail.com gmail.com gmail.com gmail.com gmail.com gmail.com gmail.com yahoo.com yahoo.com
  icloud.com icloud.com icloud.com outlook.com outlook.com hotmail.com hotmail.com aol.com me.com
  proton.me comcast.net live.com msn.com fastmail.com hey.com yahoo.co.uk btinternet.com
  bigpond.com shaw.ca
`);

interface Place {
  city: string;
  region: string;
  country: string;
  zip: string;
  timezone: string;
  latitude: number;
  longitude: number;
  locale: string;
  /** E.164 prefix the profile's phone number is built from (see uniquePhone). */
  phonePrefix: string;
}

// US-heavy, like the store's (America/New_York) market, with Canada, the UK and Australia.
// city | region | country | zip | timezone | latitude | longitude | locale | phone prefix
const PLACES: Place[] = `
  New York|NY|United States|10001|America/New_York|40.7506|-73.9972|en-US|+1212555
  Brooklyn|NY|United States|11211|America/New_York|40.7126|-73.9532|en-US|+1718555
  Boston|MA|United States|02116|America/New_York|42.3496|-71.0746|en-US|+1617555
  Philadelphia|PA|United States|19103|America/New_York|39.9526|-75.1733|en-US|+1215555
  Washington|DC|United States|20009|America/New_York|38.9192|-77.0374|en-US|+1202555
  Atlanta|GA|United States|30309|America/New_York|33.7984|-84.3883|en-US|+1404555
  Miami|FL|United States|33139|America/New_York|25.7825|-80.1341|en-US|+1305555
  Chicago|IL|United States|60614|America/Chicago|41.9227|-87.6533|en-US|+1312555
  Minneapolis|MN|United States|55408|America/Chicago|44.9469|-93.2866|en-US|+1612555
  Austin|TX|United States|78704|America/Chicago|30.2433|-97.7672|en-US|+1512555
  Houston|TX|United States|77006|America/Chicago|29.7411|-95.3917|en-US|+1713555
  Denver|CO|United States|80206|America/Denver|39.7312|-104.9526|en-US|+1303555
  Boulder|CO|United States|80302|America/Denver|40.0176|-105.2797|en-US|+1720555
  Salt Lake City|UT|United States|84102|America/Denver|40.7598|-111.8627|en-US|+1801555
  Phoenix|AZ|United States|85004|America/Phoenix|33.4515|-112.0686|en-US|+1602555
  Seattle|WA|United States|98122|America/Los_Angeles|47.6114|-122.3051|en-US|+1206555
  Portland|OR|United States|97214|America/Los_Angeles|45.5137|-122.6424|en-US|+1503555
  San Francisco|CA|United States|94110|America/Los_Angeles|37.7485|-122.4184|en-US|+1415555
  Los Angeles|CA|United States|90026|America/Los_Angeles|34.0766|-118.2646|en-US|+1213555
  San Diego|CA|United States|92104|America/Los_Angeles|32.7415|-117.1294|en-US|+1619555
  Toronto|ON|Canada|M5V 2T6|America/Toronto|43.6453|-79.3957|en-CA|+1416555
  Vancouver|BC|Canada|V6B 1A1|America/Vancouver|49.2803|-123.1153|en-CA|+1604555
  Montréal|QC|Canada|H2X 1Y4|America/Toronto|45.5088|-73.5698|fr-CA|+1514555
  London|England|United Kingdom|E1 6AN|Europe/London|51.5246|-0.0786|en-GB|+447700900
  Manchester|England|United Kingdom|M1 1AE|Europe/London|53.4794|-2.2453|en-GB|+447700900
  Sydney|NSW|Australia|2010|Australia/Sydney|-33.8825|151.2166|en-AU|+61491570
  Melbourne|VIC|Australia|3065|Australia/Melbourne|-37.7984|144.9789|en-AU|+61491570
`
  .trim()
  .split('\n')
  .map((line) => {
    const [city, region, country, zip, timezone, lat, long, locale, phonePrefix] = line.trim().split('|');
    return {
      city: city ?? '',
      region: region ?? '',
      country: country ?? '',
      zip: zip ?? '',
      timezone: timezone ?? '',
      latitude: Number(lat),
      longitude: Number(long),
      locale: locale ?? '',
      phonePrefix: phonePrefix ?? '',
    };
  });

const pipes = (text: string) => text.split('|');
const STREETS = pipes(
  'Main St|Oak Ave|Maple Dr|Cedar Ln|Park Pl|Elm St|Lake Rd|Hillcrest Ave|River Rd|Summit Way',
);
const CATEGORIES = pipes('Outerwear|Footwear|Base Layers|Knitwear|Bags & Packs|Accessories|Camp & Home');
const SIGNUP_SOURCES = pipes('Welcome popup|Footer form|Checkout|Instagram giveaway|Referral|In-store event');
const COMPANIES = pipes(
  'Trailhead Outfitters|Summit & Co|Northbound Supply|Alpine Goods Collective|Riverbend Mercantile|Cascade Gear Exchange|Basecamp Boutique|Evergreen General Store',
);
const TITLES = pipes('Owner|Buyer|Purchasing Manager|Store Manager');

interface Shopper {
  profile: ProfileRecord;
  createdMs: number;
  /** Order times, oldest first. */
  orders: number[];
  averageOrderValue: number;
  lastActiveMs: number | null;
  emailConsent: 'SUBSCRIBED' | 'UNSUBSCRIBED' | 'BOUNCED' | null;
  emailConsentMs: number;
  smsConsentMs: number | null;
  organization: string | null;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function draw(random: Random, alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[random.int(0, alphabet.length - 1)];
  return out;
}

/** A ULID for the profile's creation time with a seeded random part, so ids survive a restart. */
function seededUlid(random: Random, ms: number): string {
  let time = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time + draw(random, CROCKFORD, 16);
}

/** A random instant between two instants. */
const between = (random: Random, fromMs: number, toMs: number) =>
  fromMs + Math.floor(random.next() * Math.max(0, toMs - fromMs));

function slug(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

function uniqueEmail(random: Random, first: string, last: string, taken: Set<string>): string {
  const f = slug(first);
  const l = slug(last);
  const local = random.pick([
    `${f}.${l}`,
    `${f}${l}`,
    `${f[0]}${l}`,
    `${f}_${l}`,
    `${f}.${l}${random.int(70, 99)}`,
    `${f}${random.int(1, 999)}`,
  ]);
  const domain = random.pick(DOMAINS);
  let email = `${local}@${domain}`;
  for (let n = 2; taken.has(email); n++) email = `${local}${n}@${domain}`;
  taken.add(email);
  return email;
}

/**
 * A fictional-looking number: 555-01xx (reserved for fiction) in North America, Ofcom's 07700 900xxx
 * drama range in the UK, 0491 570xxx in Australia. Null when the prefix's numbers run out.
 */
function uniquePhone(random: Random, prefix: string, taken: Set<string>): string | null {
  const [stem, digits] = prefix.startsWith('+1') ? [`${prefix}01`, 2] : [prefix, 3];
  for (let attempt = 0; attempt < 20; attempt++) {
    const phone = stem + String(random.int(0, 10 ** digits - 1)).padStart(digits, '0');
    if (!taken.has(phone)) {
      taken.add(phone);
      return phone;
    }
  }
  return null;
}

/** Orders: most shoppers never buy; some buy once; a tail buys again and again. */
function simulateOrders(random: Random, createdMs: number, nowMs: number): number[] {
  const roll = random.next();
  const count = roll < 0.55 ? 0 : roll < 0.8 ? 1 : roll < 0.92 ? random.int(2, 3) : random.int(4, 11);
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(between(random, createdMs, nowMs));
  return times.sort((a, b) => a - b);
}

function location(random: Random, where: Place, buyer: boolean): Attributes {
  return {
    address1: buyer ? `${random.int(10, 9899)} ${random.pick(STREETS)}` : null,
    address2: null,
    city: where.city,
    region: where.region,
    country: where.country,
    zip: where.zip,
    timezone: where.timezone,
    latitude: where.latitude,
    longitude: where.longitude,
  };
}

function customProperties(random: Random, shopper: Omit<Shopper, 'profile'>, source: string): Attributes {
  const properties: Attributes = {
    'Preferred Category': random.pick(CATEGORIES),
    'Signup Source': source,
  };
  if (random.chance(0.4)) {
    properties.Birthday = `${random.int(1958, 2004)}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`;
  }
  if (shopper.orders.length > 0) {
    properties['Loyalty Tier'] =
      shopper.orders.length >= 4 ? 'Gold' : shopper.orders.length >= 2 ? 'Silver' : 'Bronze';
    properties['Newsletter Topics'] = [
      random.pick(CATEGORIES),
      random.pick(['New arrivals', 'Sales', 'Trail guides']),
    ];
  }
  if (shopper.organization) properties['Wholesale Inquiry'] = true;
  return properties;
}

/** Consent records in the shape subscriptionsOf (handlers/profiles.ts) renders. */
function consentFor(
  shopper: Omit<Shopper, 'profile'>,
  source: string,
  phone: string | null,
  random: Random,
): Attributes {
  const subscriptions: Attributes = {};
  const at = isoTime(shopper.emailConsentMs);
  const method = source === 'Checkout' ? 'API' : 'FORM';
  if (shopper.emailConsent === 'SUBSCRIBED' || shopper.emailConsent === 'UNSUBSCRIBED') {
    const unsubscribedMs = shopper.emailConsent === 'UNSUBSCRIBED' ? shopper.emailConsentMs : null;
    subscriptions.email = {
      marketing: {
        consent: shopper.emailConsent,
        consent_timestamp: at,
        last_updated: at,
        method: unsubscribedMs ? 'PREFERENCE_PAGE' : method,
        method_detail: unsubscribedMs ? 'Unsubscribe link' : source,
        custom_method_detail: null,
        double_optin: false,
        suppression: unsubscribedMs ? [{ reason: 'UNSUBSCRIBE', timestamp: at }] : [],
        list_suppressions: [],
      },
    };
  } else if (shopper.emailConsent === 'BOUNCED') {
    subscriptions.email = { marketing: { suppression: [{ reason: 'HARD_BOUNCE', timestamp: at }] } };
  }
  if (phone && shopper.smsConsentMs !== null) {
    const smsAt = isoTime(shopper.smsConsentMs);
    const record = {
      consent: 'SUBSCRIBED',
      consent_timestamp: smsAt,
      last_updated: smsAt,
      method: 'FORM',
      method_detail: 'SMS opt-in popup',
    };
    subscriptions.sms = {
      marketing: record,
      ...(random.chance(0.6) ? { transactional: { ...record } } : {}),
    };
  }
  return subscriptions;
}

function simulateShopper(random: Random, nowMs: number, index: number) {
  // Sign-ups skew recent: the store's audience has been growing.
  const createdMs = nowMs - Math.floor(HISTORY_DAYS * DAY * random.next() ** 1.3) - random.int(0, DAY);
  const orders = simulateOrders(random, createdMs, nowMs);
  const lastOrder = orders.at(-1) ?? null;
  const browsedMs = random.chance(0.7) ? between(random, createdMs, nowMs) : null;
  const lastActiveMs = Math.max(lastOrder ?? 0, browsedMs ?? 0) || null;
  const consentRoll = random.next();
  const emailConsent =
    consentRoll < 0.62
      ? 'SUBSCRIBED'
      : consentRoll < 0.7
        ? 'UNSUBSCRIBED'
        : consentRoll < 0.71
          ? 'BOUNCED'
          : null;
  const emailConsentMs =
    emailConsent === 'SUBSCRIBED'
      ? Math.min(createdMs + random.int(0, 120_000), nowMs)
      : between(random, createdMs, nowMs);
  return {
    createdMs,
    orders,
    averageOrderValue: orders.length ? Math.round((45 + random.next() ** 2 * 320) * 100) / 100 : 0,
    lastActiveMs,
    emailConsent: emailConsent as Shopper['emailConsent'],
    emailConsentMs,
    smsConsentMs: random.chance(0.55) ? between(random, createdMs, nowMs) : null,
    organization: random.chance(0.03) ? `${random.pick(COMPANIES)}${index % 3 === 0 ? ' LLC' : ''}` : null,
  };
}

function createShopper(
  account: Account,
  random: Random,
  nowMs: number,
  index: number,
  taken: { emails: Set<string>; phones: Set<string> },
): Shopper {
  const sim = simulateShopper(random, nowMs, index);
  const first = random.pick(FIRST_NAMES);
  const last = random.pick(LAST_NAMES);
  const where = random.pick(PLACES);
  const source = random.pick(SIGNUP_SOURCES);
  const phone = random.chance(0.35) ? uniquePhone(random, where.phonePrefix, taken.phones) : null;
  const profile = account.createProfile({
    attributes: {
      email: uniqueEmail(random, first, last, taken.emails),
      phone_number: phone,
      external_id: sim.orders.length ? `cus_${String(100_000 + index)}` : null,
      first_name: first,
      last_name: last,
      organization: sim.organization,
      title: sim.organization ? random.pick(TITLES) : null,
      locale: where.locale,
      location: location(random, where, sim.orders.length > 0),
      properties: customProperties(random, sim, source),
    },
  });
  // Re-keyed under a ULID of the sign-up time (seedAudience re-inserts it) and backdated to it.
  account.profiles.delete(profile.id);
  profile.id = seededUlid(random, sim.createdMs);
  const updatedMs = Math.max(sim.createdMs, sim.lastActiveMs ?? 0, sim.emailConsentMs);
  profile.createdMs = sim.createdMs;
  profile.updatedMs = Math.min(updatedMs, nowMs);
  profile.attributes.created = isoTime(profile.createdMs);
  profile.attributes.updated = isoTime(profile.updatedMs);
  profile.attributes.last_event_date = sim.lastActiveMs ? isoTime(sim.lastActiveMs) : null;
  profile.subscriptions = consentFor(sim, source, phone, random);
  return { profile, ...sim, smsConsentMs: phone ? sim.smsConsentMs : null };
}

// ── lists and segments ──────────────────────────────────────────────────────

function group(
  random: Random,
  account: Account,
  attributes: Attributes,
  createdMs: number,
  updatedMs: number,
): GroupRecord {
  let id = draw(random, ALNUM, 6);
  while (account.lists.has(id) || account.segments.has(id)) id = draw(random, ALNUM, 6);
  return {
    id,
    attributes: { ...attributes, created: isoTime(createdMs), updated: isoTime(updatedMs) },
    createdMs,
    updatedMs,
    members: new Map(),
  };
}

/** Adds members in join order, so member listings read like Klaviyo's (oldest join first). */
function fill(target: GroupRecord, joins: [string, number][]): void {
  for (const [id, at] of joins.sort((a, b) => a[1] - b[1])) target.members.set(id, at);
}

interface ListSpec {
  name: string;
  optIn: 'single_opt_in' | 'double_opt_in';
  createdDaysAgo: number;
  /** When the shopper joined, or null when they are not a member. */
  joins: (s: Shopper, random: Random, listCreatedMs: number) => number | null;
}

const LISTS: ListSpec[] = [
  {
    name: 'Newsletter',
    optIn: 'single_opt_in',
    createdDaysAgo: 600,
    joins: (s) => (s.emailConsent === 'SUBSCRIBED' ? s.emailConsentMs : null),
  },
  {
    name: 'VIP Customers',
    optIn: 'single_opt_in',
    createdDaysAgo: 590,
    joins: (s) => (s.orders.length >= 4 ? (s.orders[3] ?? null) : null),
  },
  {
    name: 'SMS Subscribers',
    optIn: 'single_opt_in',
    createdDaysAgo: 580,
    joins: (s) => s.smsConsentMs,
  },
  {
    name: 'Back in Stock Interest',
    optIn: 'single_opt_in',
    createdDaysAgo: 400,
    joins: (s, random, from) =>
      random.chance(0.09) ? between(random, Math.max(s.createdMs, from), s.profile.updatedMs) : null,
  },
  {
    name: 'Wholesale Leads',
    optIn: 'double_opt_in',
    createdDaysAgo: 560,
    joins: (s) => (s.organization ? s.createdMs : null),
  },
  {
    name: 'Early Access: Spring Collection',
    optIn: 'double_opt_in',
    createdDaysAgo: 120,
    joins: (s, random, from) =>
      s.emailConsent === 'SUBSCRIBED' && s.profile.updatedMs > from && random.chance(0.2)
        ? between(random, Math.max(s.emailConsentMs, from), s.profile.updatedMs)
        : null,
  },
];

function seedLists(
  account: Account,
  random: Random,
  shoppers: Shopper[],
  nowMs: number,
): Map<string, GroupRecord> {
  const byName = new Map<string, GroupRecord>();
  for (const spec of LISTS) {
    const createdMs = nowMs - spec.createdDaysAgo * DAY;
    const list = group(
      random,
      account,
      { name: spec.name, opt_in_process: spec.optIn },
      createdMs,
      nowMs - random.int(1, 30) * DAY,
    );
    const joins: [string, number][] = [];
    for (const s of shoppers) {
      const at = spec.joins(s, random, createdMs);
      if (at !== null) joins.push([s.profile.id, Math.min(Math.max(at, createdMs), nowMs)]);
    }
    fill(list, joins);
    account.lists.set(list.id, list);
    byName.set(spec.name, list);
  }
  return byName;
}

// Segment definitions follow the spec's SegmentDefinition: condition groups are ANDed, the
// conditions inside one group are ORed.
const metricCount = (metricId: string, operator: string, value: number, timeframe: Attributes) => ({
  type: 'profile-metric',
  metric_id: metricId,
  measurement: 'count',
  measurement_filter: { type: 'numeric', operator, value },
  timeframe_filter: timeframe,
});
const inTheLast = (quantity: number) => ({ type: 'date', operator: 'in-the-last', unit: 'day', quantity });
const allTime = { type: 'date', operator: 'alltime' };

interface SegmentSpec {
  name: string;
  starred: boolean;
  createdDaysAgo: number;
  definition: Attributes;
  /** When the shopper came to qualify, or null when they do not. */
  qualifies: (s: Shopper, nowMs: number) => number | null;
}

function segmentSpecs(
  metrics: { placedOrder: string; viewedProduct: string },
  newsletterId: string,
): SegmentSpec[] {
  const { placedOrder, viewedProduct } = metrics;
  return [
    {
      name: 'Engaged (30 days)',
      starred: true,
      createdDaysAgo: 300,
      definition: {
        condition_groups: [
          {
            conditions: [
              metricCount(viewedProduct, 'greater-than-or-equal', 1, inTheLast(30)),
              metricCount(placedOrder, 'greater-than-or-equal', 1, inTheLast(30)),
            ],
          },
        ],
      },
      qualifies: (s, now) =>
        s.lastActiveMs !== null && s.lastActiveMs > now - 30 * DAY ? s.lastActiveMs : null,
    },
    {
      name: 'Repeat Buyers',
      starred: true,
      createdDaysAgo: 360,
      definition: {
        condition_groups: [{ conditions: [metricCount(placedOrder, 'greater-than-or-equal', 2, allTime)] }],
      },
      qualifies: (s) => s.orders[1] ?? null,
    },
    {
      name: 'At-risk Customers',
      starred: false,
      createdDaysAgo: 240,
      definition: {
        condition_groups: [
          { conditions: [metricCount(placedOrder, 'greater-than-or-equal', 1, allTime)] },
          { conditions: [metricCount(placedOrder, 'equals', 0, inTheLast(90))] },
        ],
      },
      qualifies: (s, now) => {
        const last = s.orders.at(-1);
        return last !== undefined && last < now - 90 * DAY ? last + 90 * DAY : null;
      },
    },
    {
      name: 'High AOV (over $150)',
      starred: false,
      createdDaysAgo: 200,
      definition: {
        condition_groups: [
          {
            conditions: [
              {
                type: 'profile-predictive-analytics',
                dimension: 'average_order_value',
                filter: { type: 'numeric', operator: 'greater-than', value: 150 },
              },
            ],
          },
        ],
      },
      qualifies: (s) => (s.averageOrderValue > 150 ? (s.orders[0] ?? null) : null),
    },
    {
      name: 'New Subscribers (14 days)',
      starred: false,
      createdDaysAgo: 330,
      definition: {
        condition_groups: [
          {
            conditions: [
              {
                type: 'profile-marketing-consent',
                consent: {
                  channel: 'email',
                  can_receive_marketing: true,
                  consent_status: {
                    subscription: 'subscribed',
                    filters: [{ field: 'status_date', filter: inTheLast(14) }],
                  },
                },
              },
            ],
          },
        ],
      },
      qualifies: (s, now) =>
        s.emailConsent === 'SUBSCRIBED' && s.emailConsentMs > now - 14 * DAY ? s.emailConsentMs : null,
    },
    {
      name: 'Newsletter, Never Purchased',
      starred: false,
      createdDaysAgo: 150,
      definition: {
        condition_groups: [
          { conditions: [{ type: 'profile-group-membership', is_member: true, group_ids: [newsletterId] }] },
          { conditions: [metricCount(placedOrder, 'equals', 0, allTime)] },
        ],
      },
      qualifies: (s) => (s.emailConsent === 'SUBSCRIBED' && s.orders.length === 0 ? s.emailConsentMs : null),
    },
  ];
}

/**
 * The metrics the segment definitions count. Storefront events reach Klaviyo through the API, so
 * they are API metrics; later seeds that record these events find them by name.
 */
function storefrontMetrics(account: Account, sinceMs: number) {
  const [placedOrder, viewedProduct] = ['Placed Order', 'Viewed Product'].map((name) => {
    const metric = account.metricByName(name);
    metric.createdMs = Math.min(metric.createdMs, sinceMs);
    return metric.id;
  }) as [string, string];
  return { placedOrder, viewedProduct };
}

function seedSegments(
  account: Account,
  random: Random,
  shoppers: Shopper[],
  nowMs: number,
  newsletterId: string,
): void {
  const metrics = storefrontMetrics(account, nowMs - HISTORY_DAYS * DAY);
  for (const spec of segmentSpecs(metrics, newsletterId)) {
    const createdMs = nowMs - spec.createdDaysAgo * DAY;
    const segment = group(
      random,
      account,
      {
        name: spec.name,
        definition: spec.definition,
        is_active: true,
        is_processing: false,
        is_starred: spec.starred,
      },
      createdMs,
      createdMs + random.int(0, spec.createdDaysAgo - 1) * DAY,
    );
    const joins: [string, number][] = [];
    for (const s of shoppers) {
      const at = spec.qualifies(s, nowMs);
      // Profiles that qualified before the segment existed joined when it was built.
      if (at !== null) joins.push([s.profile.id, Math.min(Math.max(at, createdMs), nowMs)]);
    }
    fill(segment, joins);
    account.segments.set(segment.id, segment);
  }
}

export function seedAudience(account: Account, random: Random): void {
  const nowMs = account.now();
  const taken = { emails: new Set<string>(), phones: new Set<string>() };
  const shoppers: Shopper[] = [];
  for (let i = 0; i < PROFILE_COUNT; i++) shoppers.push(createShopper(account, random, nowMs, i, taken));
  // Stored in sign-up order, as profiles accumulate in a real account.
  shoppers.sort((a, b) => a.createdMs - b.createdMs);
  for (const s of shoppers) account.profiles.set(s.profile.id, s.profile);
  const lists = seedLists(account, random, shoppers, nowMs);
  seedSegments(account, random, shoppers, nowMs, lists.get('Newsletter')?.id ?? '');
}
