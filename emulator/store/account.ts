import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { EmulatorError, invalid } from '../core/errors.js';
import { eventId, isoTime, shortId, ulid } from '../core/ids.js';
import { BackInStockWaitlist } from './back-in-stock.js';
import { ExchangeIds } from './exchange-ids.js';
import { FlowTriggers } from './flow-triggers.js';
import type {
  Attributes,
  EventRecord,
  GenericRecord,
  GroupRecord,
  JobRecord,
  MetricRecord,
  ProfileRecord,
  SuppressedEvent,
  WebhookDelivery,
  WebhookRecord,
} from './types.js';

const IDENTIFIERS = ['email', 'phone_number', 'external_id'] as const;
const PROFILE_ATTRIBUTES = [
  'email',
  'phone_number',
  'external_id',
  'first_name',
  'last_name',
  'organization',
  'locale',
  'title',
  'image',
] as const;

/** What an incoming profile object says: `{ id?, attributes, meta? }` as in the spec's create bodies. */
export interface ProfileInput {
  id?: string;
  attributes?: Attributes;
  meta?: { patch_properties?: Attributes };
}

export interface EventInput {
  metricName: string;
  properties: Attributes;
  time?: string;
  value?: number;
  valueCurrency?: string;
  uniqueId?: string;
  backfill?: boolean;
  profile: ProfileInput;
  source: EventRecord['source'];
}

/** One Klaviyo account: its keys, its data, and what tests can inspect about it. */
export class Account {
  readonly profiles = new Map<string, ProfileRecord>();
  readonly metrics = new Map<string, MetricRecord>();
  readonly events = new Map<string, EventRecord>();
  readonly suppressed: SuppressedEvent[] = [];
  readonly lists = new Map<string, GroupRecord>();
  readonly segments = new Map<string, GroupRecord>();
  /** Other resources by JSON:API type: campaign, campaign-message, flow, flow-action, catalog-item, ... */
  readonly resources = new Map<string, Map<string, GenericRecord>>();
  readonly jobs = new Map<string, JobRecord>();
  readonly webhooks = new Map<string, WebhookRecord>();
  readonly webhookDeliveries: WebhookDelivery[] = [];
  /** The exchange ids (`_kx`) this account issued; see exchange-ids.ts. */
  readonly exchangeIds = new ExchangeIds();
  /** Write calls whose effect is a record rather than a resource (subscriptions, back in stock, deletions). */
  readonly log: { operation: string; atMs: number; payload: Attributes }[] = [];
  /** The flows the account's events and list joins would have started (store/flow-triggers.ts). */
  readonly flowTriggers = new FlowTriggers({
    flows: () => this.collection('flow').values(),
    metricName: (id) => this.metrics.get(id)?.name,
    now: () => this.now(),
  });
  /** Who waits for which variant, and the notifications restocks sent (store/back-in-stock.ts). */
  readonly backInStock = new BackInStockWaitlist(() => this.now());
  /**
   * Catalog external ids whose bulk job entries fail, with the error detail (a test's stand-in for an
   * item Klaviyo refuses; control hook `catalog-faults`).
   */
  readonly catalogFaults = new Map<string, string>();
  private readonly dedupKeys = new Set<string>();
  /**
   * How queued bulk jobs are worked. By default as today: all of them, in the order they arrived,
   * whenever the emulator runs its queue (a timer, or `settle`). Klaviyo promises neither order nor
   * timing for its jobs, so a test can hold them back (`hold`: they run only when released with
   * `runQueuedJobs({ release: true })`) and run them newest first (`order`), to see that a person's
   * newest value still wins.
   */
  readonly jobQueue: { hold: boolean; order: 'arrival' | 'newest-first' } = {
    hold: false,
    order: 'arrival',
  };
  /**
   * Profile ids by identifier (`email:<value>`), so resolving a profile does not scan every profile
   * (the delivery bench records hundreds of thousands of events). Checked on every hit; rebuilt when
   * profiles were added, removed or re-keyed behind its back (the seed does).
   */
  private readonly byIdentifier = new Map<string, Set<string>>();
  private indexed = 0;
  /** Called after events are recorded; the webhook dispatcher listens here. */
  onEvents: ((events: EventRecord[]) => void) | undefined;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly clock: Clock,
    readonly settings: { timezone: string; currency: string; url: string } = {
      timezone: 'America/New_York',
      currency: 'USD',
      url: 'https://demo-store.example',
    },
  ) {}

  now(): number {
    return this.clock.now();
  }

  collection(type: string): Map<string, GenericRecord> {
    let map = this.resources.get(type);
    if (!map) {
      map = new Map();
      this.resources.set(type, map);
    }
    return map;
  }

  // ── profiles ──────────────────────────────────────────────────────────────

  /** Finds a profile by id or by identifiers, in Klaviyo's identity-resolution order. */
  findProfile(input: ProfileInput): ProfileRecord | undefined {
    if (input.id) return this.profiles.get(input.id);
    const a = input.attributes ?? {};
    for (const key of IDENTIFIERS) {
      const value = a[key];
      if (typeof value !== 'string' || value === '') continue;
      const holder = this.holders(key, value)[0];
      if (holder) return holder;
    }
    const anonymousId = a.anonymous_id;
    if (typeof anonymousId === 'string' && anonymousId !== '') {
      for (const p of this.profiles.values()) if (p.anonymousIds.has(anonymousId)) return p;
    }
    return this.profileByExchangeId(a._kx);
  }

  /** The profiles holding `key` = `value`, oldest first (one, but for client writes' leftovers). */
  private holders(key: string, value: string): ProfileRecord[] {
    if (this.indexed !== this.profiles.size) this.reindex();
    const ids = this.byIdentifier.get(`${key}:${value}`);
    if (!ids) return [];
    const found: ProfileRecord[] = [];
    for (const id of ids) {
      const p = this.profiles.get(id);
      if (!p || p.attributes[key] !== value) {
        // Removed, re-keyed or changed behind the index's back: rebuild it and look again.
        this.reindex();
        return this.holders(key, value);
      }
      found.push(p);
    }
    return found;
  }

  private reindex(): void {
    this.byIdentifier.clear();
    this.indexed = 0;
    for (const p of this.profiles.values()) this.index(p);
  }

  private index(profile: ProfileRecord): void {
    for (const key of IDENTIFIERS) {
      const value = profile.attributes[key];
      if (typeof value !== 'string' || value === '') continue;
      const at = `${key}:${value}`;
      const ids = this.byIdentifier.get(at) ?? new Set<string>();
      ids.add(profile.id);
      this.byIdentifier.set(at, ids);
    }
    this.indexed++;
  }

  /** Keeps the index in step with one identifier of a profile changing from `before`. */
  private reindexIdentifier(profile: ProfileRecord, key: string, before: unknown): void {
    if (typeof before === 'string' && before !== '')
      this.byIdentifier.get(`${key}:${before}`)?.delete(profile.id);
    const after = profile.attributes[key];
    if (typeof after !== 'string' || after === '') return;
    const at = `${key}:${after}`;
    const ids = this.byIdentifier.get(at) ?? new Set<string>();
    ids.add(profile.id);
    this.byIdentifier.set(at, ids);
  }

  /** The profile an exchange id this account issued names; undefined for any other value. */
  profileByExchangeId(token: unknown): ProfileRecord | undefined {
    const id = this.exchangeIds.resolve(token);
    return id ? this.profiles.get(id) : undefined;
  }

  /** The profile's exchange id, as Klaviyo would put on its email links or give klaviyo.js. */
  exchangeIdOf(profile: ProfileRecord): string {
    profile.exchangeId ??= this.exchangeIds.mint(profile.id, this.id);
    return profile.exchangeId;
  }

  /**
   * Whether profile attributes name someone: an email, phone number, external id or anonymous id, or
   * an exchange id this account issued (an unissued `_kx` names no one; exchange-ids.ts).
   */
  identifies(attributes: Attributes | undefined): boolean {
    const a = attributes ?? {};
    const given = (key: string) => typeof a[key] === 'string' && a[key] !== '';
    if ([...IDENTIFIERS, 'anonymous_id'].some(given)) return true;
    return this.exchangeIds.resolve(a._kx) !== undefined;
  }

  /**
   * The 400 for attributes whose only identifier is a `_kx` this account never issued, or undefined.
   * `pointer` is where the attributes sit in the request.
   */
  unissuedExchangeId(attributes: Attributes | undefined, pointer: string): EmulatorError | undefined {
    const kx = attributes?._kx;
    if (typeof kx !== 'string' || kx === '' || this.identifies(attributes)) return undefined;
    return invalid(
      `'${kx}' is not an exchange id this account issued, so it identifies no profile; add an email, phone_number or external_id.`,
      { pointer: `${pointer}/_kx` },
    );
  }

  /** The profile (other than `exceptId`) that already holds one of the input's identifiers. */
  identifierOwner(attributes: Attributes, exceptId?: string): ProfileRecord | undefined {
    for (const key of IDENTIFIERS) {
      const value = attributes[key];
      if (typeof value !== 'string' || value === '') continue;
      const other = this.holders(key, value).find((p) => p.id !== exceptId);
      if (other) return other;
    }
    return undefined;
  }

  duplicateProfileError(owner: ProfileRecord): EmulatorError {
    return new EmulatorError(
      409,
      'duplicate_profile',
      'A profile already exists with one of these identifiers.',
      {
        pointer: '/data/attributes',
        meta: { duplicate_profile_id: owner.id },
      },
    );
  }

  createProfile(input: ProfileInput): ProfileRecord {
    const now = this.now();
    const profile: ProfileRecord = {
      id: ulid(now),
      attributes: {
        email: null,
        phone_number: null,
        external_id: null,
        first_name: null,
        last_name: null,
        organization: null,
        locale: null,
        title: null,
        image: null,
        created: isoTime(now),
        updated: isoTime(now),
        last_event_date: null,
        location: {},
        properties: {},
      },
      subscriptions: {},
      anonymousIds: new Set(),
      createdMs: now,
      updatedMs: now,
    };
    if (this.indexed !== this.profiles.size) this.reindex();
    this.profiles.set(profile.id, profile);
    this.indexed++;
    this.applyProfile(profile, input);
    return profile;
  }

  /**
   * Applies a profile write: `null` clears a field, an omitted field is left unchanged, and
   * `meta.patch_properties` appends, unappends or unsets custom properties (spec ProfileMeta).
   */
  applyProfile(
    profile: ProfileRecord,
    input: ProfileInput,
    options: { keepIdentifiers?: boolean } = {},
  ): void {
    const a = input.attributes ?? {};
    for (const key of PROFILE_ATTRIBUTES) {
      if (!(key in a)) continue;
      if (
        options.keepIdentifiers &&
        (IDENTIFIERS as readonly string[]).includes(key) &&
        profile.attributes[key]
      )
        continue;
      const before = profile.attributes[key];
      profile.attributes[key] = a[key] ?? null;
      if ((IDENTIFIERS as readonly string[]).includes(key) && before !== profile.attributes[key])
        this.reindexIdentifier(profile, key, before);
    }
    if ('location' in a) {
      profile.attributes.location =
        a.location === null ? {} : { ...profile.attributes.location, ...a.location };
    }
    if (a.properties && typeof a.properties === 'object') {
      profile.attributes.properties = { ...profile.attributes.properties, ...a.properties };
    }
    // An anonymous_id is the caller's own; a `_kx` is Klaviyo's and is never stored (exchange-ids.ts).
    if (typeof a.anonymous_id === 'string' && a.anonymous_id) profile.anonymousIds.add(a.anonymous_id);
    const patch = input.meta?.patch_properties;
    if (patch) {
      const props = profile.attributes.properties as Attributes;
      for (const [k, v] of Object.entries<any>(patch.append ?? {})) {
        const current = Array.isArray(props[k]) ? props[k] : props[k] === undefined ? [] : [props[k]];
        props[k] = [...current, ...(Array.isArray(v) ? v : [v])];
      }
      for (const [k, v] of Object.entries<any>(patch.unappend ?? {})) {
        if (Array.isArray(props[k]))
          props[k] = props[k].filter((x: unknown) => !(Array.isArray(v) ? v : [v]).includes(x));
      }
      const unset = patch.unset === undefined ? [] : Array.isArray(patch.unset) ? patch.unset : [patch.unset];
      for (const k of unset) delete props[k];
    }
    profile.updatedMs = this.now();
    profile.attributes.updated = isoTime(profile.updatedMs);
  }

  /**
   * The side-effect upsert of event and client writes: resolve the profile from its identifiers or
   * create it. Client writes cannot change an existing profile's identifiers
   * (docs/klaviyo-notes.md#client-endpoints).
   */
  upsertProfile(input: ProfileInput, options: { keepIdentifiers?: boolean } = {}): ProfileRecord {
    const existing = this.findProfile(input);
    if (input.id && !existing)
      throw invalid(`Profile '${input.id}' does not exist.`, { pointer: '/data/id' });
    if (existing) {
      this.applyProfile(existing, input, { keepIdentifiers: true, ...options });
      return existing;
    }
    return this.createProfile(input);
  }

  // ── metrics and events ────────────────────────────────────────────────────

  /** Metrics are found by name, or created on first use (create_event, "metric" description). */
  metricByName(name: string, service = 'api'): MetricRecord {
    for (const m of this.metrics.values()) if (m.name === name) return m;
    const now = this.now();
    const metric: MetricRecord = {
      id: shortId(),
      name,
      createdMs: now,
      updatedMs: now,
      integration: {
        object: 'integration',
        id: '0rG4eQ',
        name: service === 'api' ? 'API' : service,
        category: 'API',
      },
    };
    this.metrics.set(metric.id, metric);
    return metric;
  }

  /**
   * Records an event once. Klaviyo keys events on (profile, metric, unique_id); without a unique_id the
   * key is the event time to the second, so same-second events without one are dropped (create_event,
   * `unique_id` description). Returns the event, or undefined when it was suppressed as a duplicate.
   */
  recordEvent(input: EventInput): EventRecord | undefined {
    const profile = this.upsertProfile(input.profile, { keepIdentifiers: input.source === 'client' });
    const metric = this.metricByName(input.metricName);
    const received = this.now();
    const timeMs = Math.floor((input.time ? Date.parse(input.time) : received) / 1000) * 1000;
    const uniqueId = input.uniqueId ?? String(timeMs / 1000);
    const key = `${profile.id}|${metric.id}|${uniqueId}`;
    if (this.dedupKeys.has(key)) {
      this.suppressed.push({
        metricName: metric.name,
        profileId: profile.id,
        uniqueId,
        receivedMs: received,
        reason: input.uniqueId ? 'duplicate_unique_id' : 'duplicate_second',
      });
      return undefined;
    }
    this.dedupKeys.add(key);
    const properties: Attributes = { ...input.properties, $event_id: uniqueId };
    if (input.value !== undefined) properties.$value = input.value;
    if (input.valueCurrency !== undefined) properties.$value_currency = input.valueCurrency;
    const event: EventRecord = {
      id: eventId(),
      uuid: randomUUID(),
      metricId: metric.id,
      profileId: profile.id,
      timeMs,
      properties,
      uniqueId,
      backfill: input.backfill ?? false,
      receivedMs: received,
      source: input.source,
    };
    this.events.set(event.id, event);
    if (!profile.attributes.last_event_date || Date.parse(profile.attributes.last_event_date) < timeMs) {
      profile.attributes.last_event_date = isoTime(timeMs);
    }
    this.flowTriggers.event(event);
    this.onEvents?.([event]);
    return event;
  }

  // ── lists ─────────────────────────────────────────────────────────────────

  /**
   * Adds a profile to a list unless it is already a member (re-adding keeps the first join time); a
   * new member starts the list's flows unless the join is part of a historical import.
   */
  joinList(list: GroupRecord, profileId: string, options: { historical?: boolean } = {}): void {
    if (list.members.has(profileId)) return;
    list.members.set(profileId, this.now());
    this.flowTriggers.listJoined(list.id, profileId, options);
  }

  // ── jobs ──────────────────────────────────────────────────────────────────

  /** Queues a bulk job; the emulator processes queued jobs asynchronously (or on `settle`). */
  addJob(
    type: string,
    totalCount: number,
    run: (job: JobRecord) => void,
    relationships: Record<string, string[]> = {},
  ): JobRecord {
    const now = this.now();
    const job: JobRecord = {
      id: ulid(now),
      type,
      attributes: {
        status: 'queued',
        created_at: isoTime(now),
        total_count: totalCount,
        completed_count: 0,
        failed_count: 0,
        completed_at: null,
        expires_at: isoTime(now + 7 * 86_400_000),
        started_at: null,
      },
      relationships,
      errors: [],
      createdMs: now,
      run: () => {
        job.attributes.status = 'processing';
        job.attributes.started_at = isoTime(this.now());
        run(job);
        job.attributes.status = 'complete';
        job.attributes.completed_at = isoTime(this.now());
      },
    };
    this.jobs.set(job.id, job);
    return job;
  }

  /**
   * Runs the queued jobs (see `jobQueue`): none while they are held, unless `release`; newest first
   * when so ordered. Returns how many ran.
   */
  runQueuedJobs(options: { release?: boolean } = {}): number {
    if (this.jobQueue.hold && !options.release) return 0;
    const queued = [...this.jobs.values()].filter((job) => job.attributes.status === 'queued');
    if (this.jobQueue.order === 'newest-first') queued.reverse();
    for (const job of queued) job.run();
    return queued.length;
  }
}
