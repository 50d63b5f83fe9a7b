import { randomUUID } from 'node:crypto';
import { accepted, type Context, type HandlerTable, ok } from '../core/context.js';
import { invalid, notFound } from '../core/errors.js';
import { isoTime } from '../core/ids.js';
import { listDocument, relationship, selfLink, toResource } from '../core/jsonapi.js';
import type { Account } from '../store/account.js';
import type { Attributes, GroupRecord, JobRecord, ProfileRecord } from '../store/types.js';
import { consentSnapshot, recordConsentChanges } from '../webhooks/consent-events.js';
import { ACCOUNT_DEFAULT_OPT_IN, identifiersOnly, readGroupField, renderList } from './lists.js';
import { readProfileField, renderProfile } from './profiles.js';

/**
 * Consent (bulk subscribe / unsubscribe), bulk profile import jobs and data-privacy deletion. Each
 * write is checked whole before it is accepted (a bad profile rejects the request with a pointer to
 * it), then applied asynchronously as a queued job, as Klaviyo does; the emulator runs its queue on
 * a timer or on `settle`. Every accepted write is appended to `account.log`.
 */

// bulk_subscribe_profiles: "Maximum number of profiles can be submitted for subscription: 1000".
const MAX_SUBSCRIBE_PROFILES = 1000;
// bulk_unsubscribe_profiles: "Maximum number of profiles per call: 100".
const MAX_UNSUBSCRIBE_PROFILES = 100;
// bulk_import_profiles: "Accepts up to 10,000 profiles per request. ... The maximum allowed payload
// size per-profile is 100KB." (The 5MB request ceiling is enforced by the HTTP pipeline.)
const MAX_IMPORT_PROFILES = 10_000;
const MAX_IMPORT_PROFILE_BYTES = 100 * 1024;

const IMPORT_JOB = 'profile-bulk-import-job';
const E164 = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

// bulk_subscribe_profiles "will remove any UNSUBSCRIBE, SPAM_REPORT or USER_SUPPRESSED suppressions";
// the response's suppression `reason` enum spells the spam one SPAM_COMPLAINT. Bounces stay.
const LIFTED_BY_SUBSCRIBE = ['UNSUBSCRIBE', 'SPAM_COMPLAINT', 'USER_SUPPRESSED'];

// ── consent ─────────────────────────────────────────────────────────────────

/** One consent change for one channel, e.g. email/marketing. */
interface ConsentChange {
  channel: string;
  kind: string;
  consentedAt?: string;
}

interface ConsentEntry {
  id?: string;
  email?: string;
  phone?: string;
  changes: ConsentChange[];
}

interface SubscribeContext {
  list?: GroupRecord;
  customSource?: string;
  /** Email consent waits for the confirmation message a double opt-in list sends. */
  awaitsConfirmation: boolean;
  /** `historical_import`: past consent synced over, which starts no flow (store/flow-triggers.ts). */
  historical: boolean;
}

// The consent records subscriptionsOf (handlers/profiles.ts) renders; other channels (open
// tracking, WhatsApp, push) are validated and logged but have nowhere to be shown.
const RECORDED = new Set(['email/marketing', 'sms/marketing', 'sms/transactional']);

/** Which identifier a channel needs: email consent an email, SMS and WhatsApp a phone number. */
const CHANNEL_IDENTIFIER: Record<string, 'email' | 'phone_number' | undefined> = {
  email: 'email',
  sms: 'phone_number',
  whatsapp: 'phone_number',
};

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Checks the identifiers of a subscribe/unsubscribe profile and returns them. */
function consentIdentifiers(ctx: Context, entry: any, base: string) {
  const a = entry.attributes;
  const email = optionalString(a.email);
  const phone = optionalString(a.phone_number);
  if (email && !EMAIL.test(email)) {
    throw invalid(`'${email}' is not a valid email address.`, { pointer: `${base}/attributes/email` });
  }
  if (phone && !E164.test(phone)) {
    throw invalid(`'${phone}' is not a valid phone number; use E.164, e.g. +15005550006.`, {
      pointer: `${base}/attributes/phone_number`,
    });
  }
  const id = optionalString(entry.id);
  if (id && !ctx.account.profiles.has(id)) {
    throw invalid(`Profile '${id}' does not exist.`, { pointer: `${base}/id` });
  }
  if (!id && !email && !phone) {
    throw invalid('A profile needs an email or phone_number (or an id) to change its consent.', {
      pointer: `${base}/attributes`,
    });
  }
  const known = id ? ctx.account.profiles.get(id)?.attributes : undefined;
  return {
    id,
    email,
    phone,
    has: { email: email ?? known?.email, phone_number: phone ?? known?.phone_number },
  };
}

/**
 * Reads `attributes.subscriptions` into consent changes, enforcing the consented_at rules of
 * SubscriptionParameters: it may only be given with `historical_import`, which requires it, in the past.
 */
function consentChanges(
  ctx: Context,
  subscriptions: Record<string, any>,
  has: Record<string, unknown>,
  base: string,
  historical: boolean,
): ConsentChange[] {
  const changes: ConsentChange[] = [];
  for (const [channel, kinds] of Object.entries(subscriptions)) {
    for (const [kind, params] of Object.entries<any>(kinds ?? {})) {
      if (!params || typeof params !== 'object' || !('consent' in params)) continue;
      const pointer = `${base}/attributes/subscriptions/${channel}/${kind}`;
      const needs = CHANNEL_IDENTIFIER[channel];
      if (needs && !has[needs]) {
        throw invalid(`${channel} consent needs the profile's ${needs}.`, {
          pointer: `${base}/attributes/${needs}`,
        });
      }
      const consentedAt = optionalString(params.consented_at);
      if (consentedAt && !historical) {
        throw invalid('consented_at may only be given when historical_import is true.', {
          pointer: `${pointer}/consented_at`,
        });
      }
      if (historical && (!consentedAt || Date.parse(consentedAt) >= ctx.account.now())) {
        throw invalid('A historical import needs a consented_at in the past for every consent.', {
          pointer: `${pointer}/consented_at`,
        });
      }
      changes.push({ channel, kind, ...(consentedAt ? { consentedAt } : {}) });
    }
  }
  return changes;
}

function consentEntries(ctx: Context, profiles: any[], historical: boolean): ConsentEntry[] {
  return profiles.map((entry, i) => {
    const base = `/data/attributes/profiles/data/${i}`;
    const { id, email, phone, has } = consentIdentifiers(ctx, entry, base);
    const changes = consentChanges(ctx, entry.attributes.subscriptions, has, base, historical);
    return { id, email, phone, changes };
  });
}

function listOf(ctx: Context): GroupRecord | undefined {
  const id = ctx.body.data.relationships?.list?.data?.id;
  if (id === undefined) return undefined;
  const list = ctx.account.lists.get(id);
  if (!list) throw invalid(`List '${id}' does not exist.`, { pointer: '/data/relationships/list/data/id' });
  return list;
}

/**
 * The profile a consent change is for, created when none matches (an opt-out for an address
 * Klaviyo has not seen is kept for when it signs up). Identifiers it lacks are added unless
 * another profile holds them.
 */
function resolveProfile(account: Account, entry: ConsentEntry): ProfileRecord {
  const identifiers = { email: entry.email, phone_number: entry.phone };
  const existing = account.findProfile({ id: entry.id, attributes: identifiers });
  const free = Object.fromEntries(
    Object.entries(identifiers).filter(
      ([key, value]) => value && !account.identifierOwner({ [key]: value }, existing?.id),
    ),
  );
  if (!existing) return account.createProfile({ attributes: free });
  account.applyProfile(existing, { attributes: free }, { keepIdentifiers: true });
  return existing;
}

function consentRecord(profile: ProfileRecord, change: ConsentChange): Attributes {
  profile.subscriptions[change.channel] ??= {};
  const channel = profile.subscriptions[change.channel];
  channel[change.kind] ??= {};
  return channel[change.kind];
}

function subscribe(profile: ProfileRecord, change: ConsentChange, nowMs: number, context: SubscribeContext) {
  const record = consentRecord(profile, change);
  Object.assign(record, {
    consent: 'SUBSCRIBED',
    consent_timestamp: isoTime(change.consentedAt ? Date.parse(change.consentedAt) : nowMs),
    last_updated: isoTime(nowMs),
    method: 'API',
    method_detail: null,
  });
  if (change.channel !== 'email') return;
  record.custom_method_detail = context.customSource ?? null;
  record.double_optin = false;
  record.suppression = (record.suppression ?? []).filter(
    (s: { reason: string }) => !LIFTED_BY_SUBSCRIBE.includes(s.reason),
  );
  if (context.list) {
    const listId = context.list.id;
    record.list_suppressions = (record.list_suppressions ?? []).filter(
      (s: { list_id: string }) => s.list_id !== listId,
    );
  }
}

/**
 * Unsubscribes one channel. Email marketing for a member of the given list is a list-level
 * unsubscribe (a list suppression; global consent unchanged); otherwise it is global — the spec's
 * warning: "Profiles not in the specified list will be globally unsubscribed."
 */
function unsubscribe(profile: ProfileRecord, change: ConsentChange, nowMs: number, listLevel?: string) {
  const record = consentRecord(profile, change);
  const timestamp = isoTime(nowMs);
  const emailMarketing = change.channel === 'email' && change.kind === 'marketing';
  if (emailMarketing && listLevel) {
    record.list_suppressions = [
      ...(record.list_suppressions ?? []).filter((s: { list_id: string }) => s.list_id !== listLevel),
      { list_id: listLevel, reason: 'UNSUBSCRIBE', timestamp },
    ];
    return;
  }
  Object.assign(record, {
    consent: 'UNSUBSCRIBED',
    consent_timestamp: timestamp,
    last_updated: timestamp,
    method: 'API',
  });
  if (emailMarketing) {
    record.suppression = [
      ...(record.suppression ?? []).filter((s: { reason: string }) => s.reason !== 'UNSUBSCRIBE'),
      { reason: 'UNSUBSCRIBE', timestamp },
    ];
  }
}

function touchProfile(profile: ProfileRecord, nowMs: number): void {
  profile.updatedMs = nowMs;
  profile.attributes.updated = isoTime(nowMs);
}

function runSubscribe(account: Account, entries: ConsentEntry[], context: SubscribeContext, job: JobRecord) {
  const now = account.now();
  for (const entry of entries) {
    const profile = resolveProfile(account, entry);
    const before = consentSnapshot(profile);
    const asksEmail = entry.changes.some((c) => c.channel === 'email' && c.kind === 'marketing');
    const pending = context.awaitsConfirmation && asksEmail;
    for (const change of entry.changes) {
      const deferred = pending && change.channel === 'email' && change.kind === 'marketing';
      if (RECORDED.has(`${change.channel}/${change.kind}`) && !deferred) {
        subscribe(profile, change, now, context);
      }
    }
    // A double opt-in list gains the profile only once the email is confirmed.
    if (context.list && !pending)
      account.joinList(context.list, profile.id, { historical: context.historical });
    touchProfile(profile, now);
    // A change of consent records Klaviyo's consent metric (and so reaches subscribed webhooks).
    recordConsentChanges(account, profile, before, {
      method: 'API',
      listId: context.list?.id,
      historical: context.historical,
    });
  }
  job.attributes.completed_count = entries.length;
}

function runUnsubscribe(
  account: Account,
  entries: ConsentEntry[],
  list: GroupRecord | undefined,
  job: JobRecord,
) {
  const now = account.now();
  for (const entry of entries) {
    const profile = resolveProfile(account, entry);
    const before = consentSnapshot(profile);
    const member = list?.members.delete(profile.id) ? list.id : undefined;
    for (const change of entry.changes) {
      if (RECORDED.has(`${change.channel}/${change.kind}`)) unsubscribe(profile, change, now, member);
    }
    touchProfile(profile, now);
    recordConsentChanges(account, profile, before, { method: 'API', listId: list?.id });
  }
  job.attributes.completed_count = entries.length;
}

function log(ctx: Context, payload: Attributes): void {
  ctx.account.log.push({ operation: ctx.op.id, atMs: ctx.account.now(), payload });
}

function checkCount(profiles: unknown[], max: number, what: string): void {
  if (profiles.length > max) {
    throw invalid(`At most ${max} profiles can be ${what} per request; this one has ${profiles.length}.`, {
      pointer: '/data/attributes/profiles/data',
    });
  }
}

// ── bulk profile import ─────────────────────────────────────────────────────

interface ImportError {
  id: string;
  code: string;
  title: string;
  detail: string;
  source: { pointer: string };
  original_payload: Attributes;
}

function importError(code: string, detail: string, pointer: string, payload: Attributes): ImportError {
  const title = code === 'duplicate_profile' ? 'Conflict.' : 'Invalid input.';
  return { id: randomUUID(), code, title, detail, source: { pointer }, original_payload: payload };
}

/** Why one imported profile cannot be applied, or undefined when it can. */
function importProblem(account: Account, entry: any, base: string): ImportError | undefined {
  const a = entry.attributes ?? {};
  if (!entry.id && !account.identifies(a)) {
    return importError(
      'invalid',
      'A profile needs an email, phone_number, external_id or _kx.',
      `${base}/attributes`,
      entry,
    );
  }
  if (optionalString(a.email) && !EMAIL.test(a.email)) {
    return importError(
      'invalid',
      `'${a.email}' is not a valid email address.`,
      `${base}/attributes/email`,
      entry,
    );
  }
  if (optionalString(a.phone_number) && !E164.test(a.phone_number)) {
    return importError(
      'invalid',
      `'${a.phone_number}' is not a valid E.164 phone number.`,
      `${base}/attributes/phone_number`,
      entry,
    );
  }
  if (entry.id && !account.profiles.has(entry.id)) {
    return importError('invalid', `Profile '${entry.id}' does not exist.`, `${base}/id`, entry);
  }
  const existing = account.findProfile({ id: entry.id, attributes: a });
  const owner = existing && account.identifierOwner(a, existing.id);
  if (owner) {
    return importError(
      'duplicate_profile',
      `Profile '${owner.id}' already has one of these identifiers.`,
      `${base}/attributes`,
      entry,
    );
  }
  return undefined;
}

/** Creates or updates each profile like create_or_update_profile; failures become import errors. */
function runImport(account: Account, entries: any[], lists: GroupRecord[], job: JobRecord): void {
  const imported: string[] = [];
  entries.forEach((entry, i) => {
    const problem = importProblem(account, entry, `/data/attributes/profiles/data/${i}`);
    if (problem) {
      job.errors.push(problem);
      return;
    }
    const input = { attributes: entry.attributes ?? {}, meta: entry.meta };
    const existing = account.findProfile({ id: entry.id, attributes: input.attributes });
    const profile = existing ?? account.createProfile(input);
    if (existing) account.applyProfile(existing, input);
    for (const list of lists) account.joinList(list, profile.id);
    if (!imported.includes(profile.id)) imported.push(profile.id);
  });
  job.relationships.profiles = imported;
  job.attributes.completed_count = entries.length - job.errors.length;
  job.attributes.failed_count = job.errors.length;
}

function importLists(ctx: Context): GroupRecord[] {
  const data: { id: string }[] = ctx.body.data.relationships?.lists?.data ?? [];
  return data.map((ref, i) => {
    const list = ctx.account.lists.get(ref.id);
    if (!list) {
      throw invalid(`List '${ref.id}' does not exist.`, {
        pointer: `/data/relationships/lists/data/${i}/id`,
      });
    }
    return list;
  });
}

function getImportJobOr404(ctx: Context, id = ctx.params.job_id ?? ctx.params.id): JobRecord {
  const job = id ? ctx.account.jobs.get(id) : undefined;
  if (!job || job.type !== IMPORT_JOB) throw notFound(`Bulk profile import job '${id}' does not exist.`);
  return job;
}

function renderImportJob(ctx: Context, job: JobRecord) {
  const lists = ctx.query.include.includes('lists')
    ? (job.relationships.lists ?? []).map((id) => ({ type: 'list', id }))
    : undefined;
  return toResource(ctx, IMPORT_JOB, job.id, job.attributes, {
    lists: relationship(ctx, IMPORT_JOB, job.id, 'lists', lists),
    profiles: relationship(ctx, IMPORT_JOB, job.id, 'profiles'),
    // OnlyRelatedLinks: import errors have no relationship endpoint of their own.
    'import-errors': { links: { related: `${selfLink(ctx, IMPORT_JOB, job.id)}import-errors/` } },
  });
}

function jobLists(ctx: Context, job: JobRecord): GroupRecord[] {
  return (job.relationships.lists ?? [])
    .map((id) => ctx.account.lists.get(id))
    .filter((l): l is GroupRecord => Boolean(l));
}

function jobProfiles(ctx: Context, job: JobRecord): ProfileRecord[] {
  return (job.relationships.profiles ?? [])
    .map((id) => ctx.account.profiles.get(id))
    .filter((p): p is ProfileRecord => Boolean(p));
}

function listsDocument(ctx: Context, lists: GroupRecord[]) {
  return listDocument(ctx, lists, { read: readGroupField, render: (l) => renderList(ctx, l) });
}

function profilesDocument(ctx: Context, profiles: ProfileRecord[]) {
  return listDocument(ctx, profiles, { read: readProfileField, render: (p) => renderProfile(ctx, p) });
}

// ── data privacy ────────────────────────────────────────────────────────────

/** Deletes a profile with its events and its list and segment memberships. */
function deleteProfile(account: Account, profileId: string): void {
  account.profiles.delete(profileId);
  for (const [id, event] of account.events) if (event.profileId === profileId) account.events.delete(id);
  for (const group of [...account.lists.values(), ...account.segments.values()])
    group.members.delete(profileId);
}

/** request_profile_deletion: "If multiple identifiers are provided, we will return an error." */
function deletionIdentifier(data: any): { key: 'id' | 'email' | 'phone_number'; value: string } {
  const given = [
    { key: 'id' as const, value: optionalString(data.id) },
    { key: 'email' as const, value: optionalString(data.attributes?.email) },
    { key: 'phone_number' as const, value: optionalString(data.attributes?.phone_number) },
  ].filter((g): g is { key: 'id' | 'email' | 'phone_number'; value: string } => g.value !== undefined);
  if (given.length !== 1) {
    throw invalid('Provide exactly one identifier: id, email or phone_number.', {
      pointer: '/data/attributes/profile/data',
    });
  }
  return given[0] as { key: 'id' | 'email' | 'phone_number'; value: string };
}

// ── handlers ────────────────────────────────────────────────────────────────

export const subscriptionHandlers: HandlerTable = {
  bulk_subscribe_profiles: (ctx) => {
    const a = ctx.body.data.attributes;
    const profiles: any[] = a.profiles.data;
    checkCount(profiles, MAX_SUBSCRIBE_PROFILES, 'subscribed');
    const historical = a.historical_import === true;
    const list = listOf(ctx);
    const entries = consentEntries(ctx, profiles, historical);
    // "If a list is not provided, the opt-in process used will be determined by the account-level
    // default"; a historical import "will bypass double opt-in".
    const optIn = list?.attributes.opt_in_process ?? ACCOUNT_DEFAULT_OPT_IN;
    const context: SubscribeContext = {
      list,
      customSource: optionalString(a.custom_source),
      awaitsConfirmation: optIn === 'double_opt_in' && !historical,
      historical,
    };
    log(ctx, { ...a, list: list?.id ?? null, opt_in_process: optIn, historical_import: historical });
    ctx.account.addJob('profile-subscription-bulk-create-job', entries.length, (job) =>
      runSubscribe(ctx.account, entries, context, job),
    );
    return accepted();
  },

  bulk_unsubscribe_profiles: (ctx) => {
    const a = ctx.body.data.attributes;
    const profiles: any[] = a.profiles.data;
    checkCount(profiles, MAX_UNSUBSCRIBE_PROFILES, 'unsubscribed');
    const list = listOf(ctx);
    const entries = consentEntries(ctx, profiles, false);
    log(ctx, { ...a, list: list?.id ?? null });
    ctx.account.addJob('profile-subscription-bulk-delete-job', entries.length, (job) =>
      runUnsubscribe(ctx.account, entries, list, job),
    );
    return accepted();
  },

  bulk_import_profiles: (ctx) => {
    const entries: any[] = ctx.body.data.attributes.profiles.data;
    if (entries.length > MAX_IMPORT_PROFILES) {
      throw invalid(
        `A bulk import accepts at most ${MAX_IMPORT_PROFILES} profiles; this one has ${entries.length}.`,
        {
          pointer: '/data/attributes/profiles/data',
        },
      );
    }
    entries.forEach((entry, i) => {
      if (Buffer.byteLength(JSON.stringify(entry)) > MAX_IMPORT_PROFILE_BYTES) {
        throw invalid(`A profile in a bulk import may be at most ${MAX_IMPORT_PROFILE_BYTES / 1024}KB.`, {
          pointer: `/data/attributes/profiles/data/${i}`,
        });
      }
    });
    const lists = importLists(ctx);
    const job = ctx.account.addJob(
      IMPORT_JOB,
      entries.length,
      (j) => runImport(ctx.account, entries, lists, j),
      {
        lists: lists.map((l) => l.id),
      },
    );
    const resource = renderImportJob(ctx, job);
    return { status: 202, body: { data: resource, links: { self: resource.links.self } } };
  },

  get_bulk_import_profiles_jobs: (ctx) => {
    const jobs = [...ctx.account.jobs.values()].filter((j) => j.type === IMPORT_JOB);
    return ok(
      listDocument(ctx, jobs, {
        read: (job, field) => (field === 'status' ? job.attributes.status : undefined),
        sortValue: (job) => job.createdMs,
        render: (job) => renderImportJob(ctx, job),
      }),
    );
  },

  get_bulk_import_profiles_job: (ctx) => {
    const job = getImportJobOr404(ctx);
    const resource = renderImportJob(ctx, job);
    const included = ctx.query.include.includes('lists')
      ? jobLists(ctx, job).map((l) => renderList(ctx, l))
      : [];
    return ok({
      data: resource,
      links: { self: resource.links.self },
      ...(included.length ? { included } : {}),
    });
  },

  get_errors_for_bulk_import_profiles_job: (ctx) => {
    const job = getImportJobOr404(ctx);
    return ok(
      listDocument(ctx, job.errors as ImportError[], {
        read: () => undefined,
        render: ({ id, ...attributes }) => toResource(ctx, 'import-error', id, attributes),
      }),
    );
  },

  get_list_for_bulk_import_profiles_job: (ctx) =>
    ok(listsDocument(ctx, jobLists(ctx, getImportJobOr404(ctx)))),

  get_list_ids_for_bulk_import_profiles_job: (ctx) =>
    ok(identifiersOnly(listsDocument(ctx, jobLists(ctx, getImportJobOr404(ctx))))),

  get_profiles_for_bulk_import_profiles_job: (ctx) =>
    ok(profilesDocument(ctx, jobProfiles(ctx, getImportJobOr404(ctx)))),

  get_profile_ids_for_bulk_import_profiles_job: (ctx) =>
    ok(identifiersOnly(profilesDocument(ctx, jobProfiles(ctx, getImportJobOr404(ctx))))),

  /**
   * "All profiles that match the provided identifier will be deleted", asynchronously; an
   * identifier that matches no profile is accepted and deletes nothing.
   */
  request_profile_deletion: (ctx) => {
    const { key, value } = deletionIdentifier(ctx.body.data.attributes.profile.data);
    const matches = [...ctx.account.profiles.values()]
      .filter((p) => (key === 'id' ? p.id === value : p.attributes[key] === value))
      .map((p) => p.id);
    log(ctx, { [key]: value, profile_ids: matches });
    ctx.account.addJob('data-privacy-deletion-job', matches.length, (job) => {
      for (const id of matches) deleteProfile(ctx.account, id);
      job.attributes.completed_count = matches.length;
    });
    return accepted();
  },
};
