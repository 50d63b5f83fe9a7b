import { isoTime } from '../core/ids.js';
import type { Account } from '../store/account.js';
import type { Attributes, GenericRecord, ProfileRecord } from '../store/types.js';
import { DEMO_PRODUCTS } from './catalog.js';
import type { Random } from './random.js';

/**
 * The demo store's marketing: about ten campaigns across statuses and channels, the six classic flows
 * with their actions and messages, and ~90 days of events tied to them, so campaign and flow reports
 * show real numbers.
 *
 * Attribution follows Klaviyo's event properties, which the reporting handlers read back:
 * - message events (Received/Opened/Clicked Email, Received/Clicked SMS, Bounced Email, Unsubscribed...)
 *   carry `$message` (the campaign-message or flow-message id), `$flow` for flow sends, and
 *   `Campaign Name` / `Subject` as Klaviyo records them;
 * - attributed conversions (Placed Order) carry `$attributed_message` (campaign-message or
 *   flow-message id), `$attributed_flow` (flow id, flow sends only) and `$attributed_channel`.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const HISTORY_DAYS = 90;
// Keeps the seed to a few thousand events (and well under a second) whatever the audience size.
const MAX_RECIPIENTS = 400;
const MAX_SHOPPERS = 500;

type Channel = 'email' | 'sms';

/** Metrics the store and Klaviyo record; Klaviyo owns the messaging ones. */
const STORE_METRICS = [
  'Viewed Product',
  'Added to Cart',
  'Started Checkout',
  'Placed Order',
  'Ordered Product',
  'Fulfilled Order',
];
const KLAVIYO_METRICS = [
  'Received Email',
  'Opened Email',
  'Clicked Email',
  'Bounced Email',
  'Unsubscribed',
  'Marked Email as Spam',
  'Received SMS',
  'Clicked SMS',
  'Unsubscribed from SMS',
];

interface Product {
  id: string;
  name: string;
  price: number;
  url: string;
}

/** A message the simulation sends: a campaign message or a flow message. */
interface Message {
  id: string;
  channel: Channel;
  name: string;
  subject?: string;
  flowId?: string;
  conversionRate: number;
}

interface Seeder {
  account: Account;
  random: Random;
  now: number;
  products: Product[];
  /** Order times per profile, for "has not placed an order since starting this flow" splits. */
  orders: Map<string, number[]>;
  orderCount: number;
  record(
    metric: string,
    profile: ProfileRecord,
    timeMs: number,
    properties: Attributes,
    value?: number,
  ): void;
}

// ── ids ─────────────────────────────────────────────────────────────────────

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function chars(random: Random, alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[random.int(0, alphabet.length - 1)];
  return out;
}

/** Ids drawn from the seed's Random, in the forms Klaviyo uses (see core/ids.ts). */
function idMaker(random: Random) {
  return {
    short: () => chars(random, ALNUM, 6),
    numeric: () => String(random.int(10_000_000, 99_999_999)),
    ulid: (ms: number) => {
      let time = '';
      for (let i = 0, t = ms; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
      return time + chars(random, CROCKFORD, 16);
    },
  };
}
type Ids = ReturnType<typeof idMaker>;

// ── audience and products ───────────────────────────────────────────────────

const FIRST_NAMES = ['Ava', 'Liam', 'Maya', 'Noah', 'Zoe', 'Eli', 'Ruby', 'Owen', 'Iris', 'Leo'];
const LAST_NAMES = ['Parker', 'Nguyen', 'Garcia', 'Smith', 'Okafor', 'Rossi', 'Kim', 'Silva'];

/** The audience seed normally fills the account; a bare account still gets a few shoppers. */
function ensureProfiles(account: Account, random: Random): ProfileRecord[] {
  if (account.profiles.size === 0) {
    for (let i = 0; i < 40; i++) {
      const first = random.pick(FIRST_NAMES);
      const last = random.pick(LAST_NAMES);
      account.createProfile({
        attributes: {
          email: `${first}.${last}.${i}@example.com`.toLowerCase(),
          phone_number: i % 2 === 0 ? `+1555010${String(i).padStart(4, '0')}` : null,
          first_name: first,
          last_name: last,
        },
      });
    }
  }
  return [...account.profiles.values()];
}

/** Creates every metric up front, so metric ids exist for flow triggers and splits. */
function ensureMetrics(account: Account): void {
  for (const name of STORE_METRICS) account.metricByName(name);
  for (const name of KLAVIYO_METRICS) {
    account.metricByName(name).integration = {
      object: 'integration',
      id: '0rG4eQ',
      name: 'Klaviyo',
      category: 'Internal',
    };
  }
}

/**
 * The products orders and views name: the demo store's own (lib/store/catalog-data.ts), whether or not
 * the account's catalog holds them, since events may name any ProductID. The same list the seeded
 * catalog's first 30 priced items gave, so the history is the same with and without a catalog.
 */
function demoProducts(account: Account): Product[] {
  return DEMO_PRODUCTS.slice(0, 30)
    .filter((product) => product.price > 0)
    .map((product) => ({
      id: product.slug,
      name: product.title,
      price: product.price,
      url: `${account.settings.url}/products/${product.slug}`,
    }));
}

function sample<T>(random: Random, items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, max);
}

const consented = (p: ProfileRecord, channel: Channel) =>
  p.subscriptions[channel]?.marketing?.consent === 'SUBSCRIBED';

/** Who a channel can reach: consented profiles, or everyone reachable when no consent was seeded. */
function reachable(profiles: ProfileRecord[], channel: Channel): ProfileRecord[] {
  const key = channel === 'email' ? 'email' : 'phone_number';
  const withAddress = profiles.filter((p) => Boolean(p.attributes[key]));
  const subscribed = withAddress.filter((p) => consented(p, channel));
  return subscribed.length > 0 ? subscribed : withAddress;
}

/** The list a campaign or the welcome flow targets: by name when the audience seed made one. */
function listFor(account: Account, pattern: RegExp) {
  const lists = [...account.lists.values()];
  return lists.find((l) => pattern.test(String(l.attributes.name))) ?? lists[0];
}

// ── events ──────────────────────────────────────────────────────────────────

function eventRecorder(account: Account, now: number): Seeder['record'] {
  let n = 0;
  return (metric, profile, timeMs, properties, value) => {
    // Sends scheduled after "now" have not happened yet.
    if (timeMs >= now) return;
    account.recordEvent({
      metricName: metric,
      properties,
      time: new Date(timeMs).toISOString(),
      value,
      valueCurrency: value === undefined ? undefined : account.settings.currency,
      uniqueId: `seed-${++n}`,
      backfill: true,
      profile: { id: profile.id },
      source: 'api',
    });
  };
}

const between = (random: Random, fromMs: number, toMs: number) =>
  fromMs + Math.floor(random.next() * (toMs - fromMs));

/** Records Placed Order, one Ordered Product per line and, two days later, Fulfilled Order. */
function placeOrder(s: Seeder, profile: ProfileRecord, timeMs: number, attribution: Attributes = {}): void {
  if (timeMs >= s.now) return;
  const lines = Array.from({ length: s.random.int(1, 3) }, () => ({
    product: s.random.pick(s.products),
    quantity: s.random.chance(0.8) ? 1 : 2,
  }));
  const total = Math.round(lines.reduce((sum, l) => sum + l.product.price * l.quantity, 0) * 100) / 100;
  const orderId = `#${1001 + s.orderCount++}`;
  s.record(
    'Placed Order',
    profile,
    timeMs,
    {
      OrderId: orderId,
      ItemNames: lines.map((l) => l.product.name),
      Items: lines.map((l) => ({
        ProductID: l.product.id,
        ProductName: l.product.name,
        Quantity: l.quantity,
        ItemPrice: l.product.price,
        ProductURL: l.product.url,
      })),
      ...attribution,
    },
    total,
  );
  for (const [i, l] of lines.entries()) {
    s.record(
      'Ordered Product',
      profile,
      timeMs,
      {
        OrderId: orderId,
        ProductID: l.product.id,
        ProductName: l.product.name,
        Quantity: l.quantity,
        LineIndex: i,
      },
      l.product.price * l.quantity,
    );
  }
  s.record('Fulfilled Order', profile, timeMs + 2 * DAY, { OrderId: orderId });
  s.orders.set(profile.id, [...(s.orders.get(profile.id) ?? []), timeMs]);
}

/** One send of a message to one profile, with the opens, clicks and conversions that follow. */
function deliver(s: Seeder, message: Message, profile: ProfileRecord, sendMs: number): void {
  const { random } = s;
  const base: Attributes = {
    $message: message.id,
    'Campaign Name': message.name,
    ...(message.flowId ? { $flow: message.flowId } : {}),
    ...(message.subject ? { Subject: message.subject } : {}),
  };
  if (message.channel === 'email') {
    if (random.chance(0.012)) {
      s.record('Bounced Email', profile, sendMs, { ...base, 'Bounce Type': 'hard' });
      return;
    }
    s.record('Received Email', profile, sendMs, base);
    if (random.chance(0.45)) {
      const openMs = between(random, sendMs + 5 * MINUTE, sendMs + 36 * HOUR);
      s.record('Opened Email', profile, openMs, base);
      if (random.chance(0.3)) s.record('Opened Email', profile, openMs + random.int(1, 48) * HOUR, base);
      if (random.chance(0.22)) {
        const url = random.pick(s.products).url;
        s.record('Clicked Email', profile, openMs + random.int(1, 30) * MINUTE, { ...base, URL: url });
      }
    }
    if (random.chance(0.004)) s.record('Unsubscribed', profile, sendMs + 2 * HOUR, base);
    if (random.chance(0.0008)) s.record('Marked Email as Spam', profile, sendMs + 3 * HOUR, base);
  } else {
    const segments = random.chance(0.7) ? 1 : 2;
    s.record('Received SMS', profile, sendMs, {
      ...base,
      'Segment Count': segments,
      'Message Format': 'SMS',
      $usage_amount: Math.round(segments * 0.0083 * 10_000) / 10_000,
    });
    if (random.chance(0.12)) {
      s.record('Clicked SMS', profile, sendMs + random.int(1, 120) * MINUTE, {
        ...base,
        URL: random.pick(s.products).url,
      });
    }
    if (random.chance(0.01)) s.record('Unsubscribed from SMS', profile, sendMs + 10 * MINUTE, base);
  }
  if (random.chance(message.conversionRate)) {
    placeOrder(s, profile, between(random, sendMs + 20 * MINUTE, sendMs + 3 * DAY), {
      $attributed_message: message.id,
      $attributed_channel: message.channel,
      ...(message.flowId ? { $attributed_flow: message.flowId } : {}),
    });
  }
}

// ── campaigns ───────────────────────────────────────────────────────────────

interface CampaignSpec {
  name: string;
  channel: Channel;
  status: 'Draft' | 'Scheduled' | 'Sending' | 'Sent' | 'Cancelled';
  /** Send time relative to now, in days (negative is past). */
  sendInDays: number;
  /** The email subject, or the SMS body. */
  copy: string;
  preview?: string;
  smartSendTime?: boolean;
  archived?: boolean;
}

const CAMPAIGNS: CampaignSpec[] = [
  {
    name: 'Spring Collection Launch',
    channel: 'email',
    status: 'Sent',
    sendInDays: -82,
    copy: 'Spring is here: meet the new collection',
    archived: true,
  },
  {
    name: "Mother's Day Gift Guide",
    channel: 'email',
    status: 'Sent',
    sendInDays: -61,
    copy: 'Gifts she will actually love',
  },
  {
    name: 'Flash Sale: 24 Hours Only',
    channel: 'sms',
    status: 'Sent',
    sendInDays: -44,
    copy: '24h flash sale: 25% off everything with code FLASH25. Shop now:',
  },
  {
    name: 'Summer Essentials',
    channel: 'email',
    status: 'Sent',
    sendInDays: -27,
    copy: 'Your summer wardrobe, sorted',
    smartSendTime: true,
  },
  {
    name: 'VIP Early Access',
    channel: 'sms',
    status: 'Sent',
    sendInDays: -13,
    copy: 'VIPs shop the new drop 24h early. Tap to shop:',
  },
  {
    name: 'Weekend Restock Alert',
    channel: 'email',
    status: 'Sent',
    sendInDays: -4,
    copy: 'Back in stock this weekend',
  },
  {
    name: 'Customer Favorites Are Back',
    channel: 'email',
    status: 'Sending',
    sendInDays: -0.01,
    copy: 'Your favorites are back',
  },
  {
    name: 'Clearance Event',
    channel: 'email',
    status: 'Cancelled',
    sendInDays: -19,
    copy: 'Last chance: up to 60% off',
  },
  {
    name: 'Fall Preview',
    channel: 'email',
    status: 'Scheduled',
    sendInDays: 5,
    copy: 'A first look at fall',
  },
  {
    name: 'Holiday Teaser',
    channel: 'sms',
    status: 'Draft',
    sendInDays: 20,
    copy: 'Something big is coming this holiday season. Stay tuned!',
  },
  {
    name: 'Loyalty Program Launch',
    channel: 'email',
    status: 'Draft',
    sendInDays: 30,
    copy: 'Introducing Rewards: earn on every order',
  },
];

function campaignAttributes(
  account: Account,
  spec: CampaignSpec,
  listId: string | undefined,
  sendMs: number,
) {
  const now = account.now();
  const createdMs = Math.min(sendMs, now) - 6 * DAY;
  const drafted = spec.status === 'Draft';
  const scheduledMs = drafted ? null : Math.min(sendMs, now) - 2 * DAY;
  const strategy = drafted
    ? { method: 'immediate' }
    : spec.smartSendTime
      ? { method: 'smart_send_time', date: isoTime(sendMs).slice(0, 10) }
      : { method: 'static', datetime: isoTime(sendMs), options: { is_local: false } };
  return {
    name: spec.name,
    status: spec.status,
    archived: spec.archived ?? false,
    audiences: { included: listId ? [listId] : [], excluded: [] },
    send_options: { use_smart_sending: true },
    tracking_options:
      spec.channel === 'email'
        ? {
            add_tracking_params: true,
            custom_tracking_params: null,
            is_tracking_clicks: true,
            is_tracking_opens: true,
          }
        : { add_tracking_params: false, custom_tracking_params: null },
    send_strategy: strategy,
    created_at: isoTime(createdMs),
    scheduled_at: scheduledMs === null ? null : isoTime(scheduledMs),
    updated_at: isoTime(scheduledMs ?? createdMs),
    send_time: drafted ? null : isoTime(sendMs),
  };
}

function messageDefinition(account: Account, spec: CampaignSpec) {
  if (spec.channel === 'sms') {
    return {
      channel: 'sms',
      content: { body: `${spec.copy} ${account.settings.url}`, media_url: null },
      render_options: {
        shorten_links: true,
        add_org_prefix: true,
        add_info_link: true,
        add_opt_out_language: false,
      },
    };
  }
  const domain = new URL(account.settings.url).hostname;
  return {
    channel: 'email',
    label: spec.name,
    content: {
      subject: spec.copy,
      preview_text: spec.preview ?? 'New styles, picked for you.',
      from_email: `hello@${domain}`,
      from_label: account.name,
      reply_to_email: `support@${domain}`,
      cc_email: null,
      bcc_email: null,
    },
  };
}

function seedCampaign(s: Seeder, ids: Ids, spec: CampaignSpec, profiles: ProfileRecord[]): void {
  const { account, random, now } = s;
  const list = listFor(account, spec.channel === 'sms' ? /sms/i : /newsletter|subscri/i);
  const sendMs = Math.round(now + spec.sendInDays * DAY);
  const attributes = campaignAttributes(account, spec, list?.id, sendMs);
  const createdMs = Date.parse(attributes.created_at);
  const campaign: GenericRecord = {
    id: ids.ulid(createdMs),
    attributes,
    relationships: { 'campaign-messages': [], tags: [] },
    createdMs,
    updatedMs: Date.parse(attributes.updated_at),
  };
  const message: GenericRecord = {
    id: ids.ulid(createdMs),
    attributes: {
      definition: messageDefinition(account, spec),
      send_times: attributes.send_time ? [{ datetime: attributes.send_time, is_local: false }] : [],
      created_at: attributes.created_at,
      updated_at: attributes.updated_at,
    },
    relationships: { campaign: [campaign.id] },
    createdMs,
    updatedMs: campaign.updatedMs,
  };
  campaign.relationships['campaign-messages']?.push(message.id);
  account.collection('campaign').set(campaign.id, campaign);
  account.collection('campaign-message').set(message.id, message);
  if (spec.status !== 'Sent' && spec.status !== 'Sending') return;
  const members = list ? profiles.filter((p) => list.members.has(p.id)) : [];
  const audience = reachable(members.length > 0 ? members : profiles, spec.channel);
  const send: Message = {
    id: message.id,
    channel: spec.channel,
    name: spec.name,
    subject: spec.channel === 'email' ? spec.copy : undefined,
    conversionRate: spec.channel === 'sms' ? 0.045 : 0.028,
  };
  for (const profile of sample(random, audience, MAX_RECIPIENTS)) {
    deliver(s, send, profile, sendMs + random.int(0, 20) * MINUTE);
  }
}

// ── flows ───────────────────────────────────────────────────────────────────

type StepSpec =
  | { delay: number; unit: 'days' | 'hours' }
  | { email: string; subject: string; preview: string }
  | { sms: string; body: string }
  | { split: 'no-order-since-start' };

interface FlowSpec {
  name: string;
  /** A metric name, or 'list' for the welcome list. */
  trigger: string;
  status: 'live' | 'manual' | 'draft';
  createdDaysAgo: number;
  conversionRate: number;
  steps: StepSpec[];
}

const FLOWS: FlowSpec[] = [
  {
    name: 'Welcome Series',
    trigger: 'list',
    status: 'live',
    createdDaysAgo: 420,
    conversionRate: 0.05,
    steps: [
      {
        email: 'Welcome Email 1',
        subject: 'Welcome! Here is 10% off your first order',
        preview: 'Use code WELCOME10',
      },
      { delay: 2, unit: 'days' },
      {
        email: 'Welcome Email 2',
        subject: 'The story behind our store',
        preview: 'Made to last, made with care',
      },
      { delay: 3, unit: 'days' },
      { split: 'no-order-since-start' },
      { email: 'Welcome Email 3', subject: 'Your 10% off expires soon', preview: 'Last reminder' },
    ],
  },
  {
    name: 'Abandoned Cart',
    trigger: 'Started Checkout',
    status: 'live',
    createdDaysAgo: 400,
    conversionRate: 0.09,
    steps: [
      { delay: 4, unit: 'hours' },
      { split: 'no-order-since-start' },
      {
        email: 'Abandoned Cart Email 1',
        subject: 'You left something behind',
        preview: 'Your cart is saved',
      },
      { delay: 1, unit: 'days' },
      { split: 'no-order-since-start' },
      { sms: 'Abandoned Cart SMS', body: 'Still thinking it over? Your cart is waiting:' },
      { delay: 1, unit: 'days' },
      { split: 'no-order-since-start' },
      {
        email: 'Abandoned Cart Email 2',
        subject: 'Free shipping on your cart, today only',
        preview: 'Complete your order',
      },
    ],
  },
  {
    name: 'Browse Abandon',
    trigger: 'Viewed Product',
    status: 'live',
    createdDaysAgo: 380,
    conversionRate: 0.025,
    steps: [
      { delay: 2, unit: 'hours' },
      { split: 'no-order-since-start' },
      { email: 'Browse Abandon Email', subject: 'Still looking?', preview: 'The item you viewed is popular' },
    ],
  },
  {
    name: 'Post-Purchase',
    trigger: 'Placed Order',
    status: 'live',
    createdDaysAgo: 360,
    conversionRate: 0.03,
    steps: [
      { delay: 1, unit: 'days' },
      {
        email: 'Post-Purchase Thank You',
        subject: 'Thanks for your order!',
        preview: 'Here is what happens next',
      },
      { delay: 7, unit: 'days' },
      {
        email: 'Post-Purchase Cross-Sell',
        subject: 'Pairs well with your last order',
        preview: 'Picked for you',
      },
    ],
  },
  {
    name: 'Winback',
    trigger: 'Placed Order',
    status: 'live',
    createdDaysAgo: 300,
    conversionRate: 0.04,
    steps: [
      { delay: 45, unit: 'days' },
      { split: 'no-order-since-start' },
      { email: 'Winback Email', subject: 'We miss you: 15% off to come back', preview: 'Code COMEBACK15' },
      { delay: 5, unit: 'days' },
      { split: 'no-order-since-start' },
      { sms: 'Winback SMS', body: 'Your 15% off code COMEBACK15 ends tonight:' },
    ],
  },
  {
    name: 'Review Request',
    trigger: 'Fulfilled Order',
    status: 'manual',
    createdDaysAgo: 200,
    conversionRate: 0.01,
    steps: [
      { delay: 7, unit: 'days' },
      { email: 'Review Request Email', subject: 'How did we do?', preview: 'Leave a review in one click' },
    ],
  },
];

/** What the simulation walks: delays, splits and sends, in flow order. */
type PlanStep = { delayMs: number } | { split: true } | { send: Message };

interface FlowPlan {
  spec: FlowSpec;
  steps: PlanStep[];
}

function actionDefinition(
  s: Seeder,
  step: StepSpec,
  id: string,
  next: string | null,
  message: Attributes | null,
  status: string,
) {
  if ('delay' in step) {
    return {
      id,
      type: 'time-delay',
      links: { next },
      data: { unit: step.unit, value: step.delay, timezone: 'profile' },
    };
  }
  if ('split' in step) {
    const placedOrder = s.account.metricByName('Placed Order').id;
    const condition = {
      type: 'profile-metric',
      metric_id: placedOrder,
      measurement: 'count',
      measurement_filter: { type: 'numeric', operator: 'equals', value: 0 },
      timeframe_filter: { type: 'date', operator: 'flow-start' },
      metric_filters: null,
    };
    return {
      id,
      type: 'conditional-split',
      links: { next_if_true: next, next_if_false: null },
      data: { profile_filter: { condition_groups: [{ conditions: [condition] }] } },
    };
  }
  return {
    id,
    type: 'email' in step ? 'send-email' : 'send-sms',
    links: { next },
    data: { message, status },
  };
}

function messageBody(s: Seeder, step: StepSpec, id: string): Attributes | null {
  if ('email' in step) {
    const domain = new URL(s.account.settings.url).hostname;
    return {
      id,
      name: step.email,
      from_email: `hello@${domain}`,
      from_label: s.account.name,
      reply_to_email: `support@${domain}`,
      cc_email: null,
      bcc_email: null,
      subject_line: step.subject,
      preview_text: step.preview,
      template_id: null,
      smart_sending_enabled: true,
      transactional: false,
      add_tracking_params: true,
      custom_tracking_params: null,
      additional_filters: null,
    };
  }
  if ('sms' in step) {
    return {
      id,
      name: step.sms,
      body: `${step.body} ${s.account.settings.url}`,
      image_id: null,
      dynamic_image: null,
      shorten_links: true,
      include_contact_card: false,
      add_org_prefix: true,
      add_info_link: true,
      add_opt_out_language: false,
      smart_sending_enabled: true,
      sms_quiet_hours_enabled: true,
      transactional: false,
      add_tracking_params: false,
      custom_tracking_params: null,
      template_id: null,
      additional_filters: null,
    };
  }
  return null;
}

/** Writes the flow, its actions (linked in order) and messages; returns the plan to simulate. */
function seedFlow(s: Seeder, ids: Ids, spec: FlowSpec, welcomeListId: string | undefined): FlowPlan {
  const createdMs = s.now - spec.createdDaysAgo * DAY;
  const updatedMs = createdMs + 14 * DAY;
  const stamps = { created: isoTime(createdMs), updated: isoTime(updatedMs) };
  const flowId = ids.short();
  const trigger: Record<string, string[]> =
    spec.trigger === 'list'
      ? { list: welcomeListId ? [welcomeListId] : [] }
      : { metric: [s.account.metricByName(spec.trigger).id] };
  const actionIds = spec.steps.map(() => ids.numeric());
  const plan: FlowPlan = { spec, steps: [] };
  spec.steps.forEach((step, i) => {
    const actionId = actionIds[i] as string;
    const messageId = 'delay' in step || 'split' in step ? null : ids.short();
    const body = messageId ? messageBody(s, step, messageId) : null;
    const definition = actionDefinition(s, step, actionId, actionIds[i + 1] ?? null, body, spec.status);
    s.account.collection('flow-action').set(actionId, {
      id: actionId,
      attributes: { ...stamps, definition },
      relationships: { flow: [flowId], 'flow-messages': messageId ? [messageId] : [] },
      createdMs,
      updatedMs,
    });
    if (messageId && body) {
      const channel: Channel = 'email' in step ? 'email' : 'sms';
      s.account.collection('flow-message').set(messageId, {
        id: messageId,
        attributes: { channel, ...stamps, definition: body },
        relationships: { 'flow-action': [actionId] },
        createdMs,
        updatedMs,
      });
      plan.steps.push({
        send: {
          id: messageId,
          channel,
          name: String(body.name),
          subject: 'email' in step ? step.subject : undefined,
          flowId,
          conversionRate: spec.conversionRate,
        },
      });
    } else {
      plan.steps.push(
        'delay' in step ? { delayMs: step.delay * (step.unit === 'days' ? DAY : HOUR) } : { split: true },
      );
    }
  });
  s.account.collection('flow').set(flowId, {
    id: flowId,
    attributes: {
      name: spec.name,
      status: spec.status,
      archived: false,
      ...stamps,
      trigger_type: spec.trigger === 'list' ? 'Added to List' : 'Metric',
    },
    relationships: { 'flow-actions': actionIds, tags: [], ...trigger },
    createdMs,
    updatedMs,
  });
  return plan;
}

const orderedBetween = (s: Seeder, profile: ProfileRecord, fromMs: number, toMs: number) =>
  (s.orders.get(profile.id) ?? []).some((t) => t > fromMs && t <= toMs);

/** Walks one profile through a live flow from its trigger time; sends stop at "now". */
function runFlow(s: Seeder, plan: FlowPlan, profile: ProfileRecord, startMs: number): void {
  if (plan.spec.status !== 'live') return;
  let t = startMs;
  for (const step of plan.steps) {
    if (t >= s.now) return;
    if ('delayMs' in step) t += step.delayMs;
    else if ('split' in step) {
      if (orderedBetween(s, profile, startMs, t)) return;
    } else {
      const address =
        step.send.channel === 'email' ? profile.attributes.email : profile.attributes.phone_number;
      if (address) deliver(s, step.send, profile, t + s.random.int(0, 5) * MINUTE);
    }
  }
}

// ── shopping behaviour ──────────────────────────────────────────────────────

interface Trigger {
  profile: ProfileRecord;
  timeMs: number;
}

/** Browsing, carts and checkouts over the last 90 days; some checkouts convert on their own. */
function browse(s: Seeder, shoppers: ProfileRecord[]): Record<'viewed' | 'checkout', Trigger[]> {
  const viewed: Trigger[] = [];
  const checkout: Trigger[] = [];
  const start = s.now - HISTORY_DAYS * DAY;
  for (const profile of shoppers) {
    for (let visit = s.random.int(0, 3); visit > 0; visit--) {
      const t = between(s.random, start, s.now);
      const product = s.random.pick(s.products);
      const item = {
        ProductID: product.id,
        ProductName: product.name,
        Price: product.price,
        URL: product.url,
      };
      s.record('Viewed Product', profile, t, item, product.price);
      viewed.push({ profile, timeMs: t });
      if (!s.random.chance(0.3)) continue;
      s.record('Added to Cart', profile, t + 3 * MINUTE, { ...item, AddedItemQuantity: 1 }, product.price);
      if (!s.random.chance(0.5)) continue;
      s.record('Started Checkout', profile, t + 8 * MINUTE, { ItemNames: [product.name] }, product.price);
      checkout.push({ profile, timeMs: t + 8 * MINUTE });
      if (s.random.chance(0.35)) placeOrder(s, profile, t + 15 * MINUTE);
    }
  }
  return { viewed, checkout };
}

function welcomeEntries(s: Seeder, listId: string | undefined, profiles: ProfileRecord[]): Trigger[] {
  const start = s.now - HISTORY_DAYS * DAY;
  const members = listId ? s.account.lists.get(listId)?.members : undefined;
  if (members && members.size > 0) {
    const joined = profiles.filter((p) => (members.get(p.id) ?? 0) > start);
    return sample(s.random, joined, MAX_RECIPIENTS).map((p) => ({
      profile: p,
      timeMs: members.get(p.id) as number,
    }));
  }
  // Without a seeded list, a third of the audience signed up during the period.
  return sample(s.random, profiles, MAX_RECIPIENTS)
    .filter(() => s.random.chance(0.33))
    .map((p) => ({ profile: p, timeMs: between(s.random, start, s.now) }));
}

function orderTriggers(s: Seeder, profiles: ProfileRecord[], offsetMs = 0): Trigger[] {
  return profiles.flatMap((profile) =>
    (s.orders.get(profile.id) ?? []).map((t) => ({ profile, timeMs: t + offsetMs })),
  );
}

/**
 * Seeds campaigns, flows and their event history. Runs after the audience seed; on a bare account it
 * creates a few profiles of its own.
 */
export function seedMarketing(account: Account, random: Random): void {
  const profiles = ensureProfiles(account, random);
  ensureMetrics(account);
  const now = account.now();
  const s: Seeder = {
    account,
    random,
    now,
    products: demoProducts(account),
    orders: new Map(),
    orderCount: 0,
    record: eventRecorder(account, now),
  };
  const ids = idMaker(random);
  for (const spec of CAMPAIGNS) seedCampaign(s, ids, spec, profiles);
  const welcomeList = listFor(account, /newsletter|subscri|welcome/i);
  const plans = new Map(FLOWS.map((spec) => [spec.name, seedFlow(s, ids, spec, welcomeList?.id)]));
  const run = (name: string, triggers: Trigger[]) => {
    const plan = plans.get(name);
    if (plan) for (const t of triggers) runFlow(s, plan, t.profile, t.timeMs);
  };
  const shoppers = sample(random, profiles, MAX_SHOPPERS);
  const { viewed, checkout } = browse(s, shoppers);
  run('Welcome Series', welcomeEntries(s, welcomeList?.id, profiles));
  run('Abandoned Cart', checkout);
  run(
    'Browse Abandon',
    viewed.filter(() => random.chance(0.5)),
  );
  // Orders so far (organic, campaign and flow conversions) start the post-purchase flows.
  const orders = orderTriggers(s, profiles);
  run('Post-Purchase', orders);
  run('Winback', orders);
  run('Review Request', orderTriggers(s, profiles, 2 * DAY));
}
