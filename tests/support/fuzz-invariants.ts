import sql from 'sql-template-tag';
import { toE164 } from '../../lib/klaviyo-next/events/identity.js';
import { METRICS } from '../../lib/klaviyo-next/events/metrics.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { sellableVariant } from '../../lib/store/catalog.js';
import { COMPANY_ID } from './fuzz-arbitraries.js';

/**
 * What must hold after any request, whatever it carried: every outbox row is a message Klaviyo can
 * take, and no row writes to a profile the caller does not own (DESIGN.md, "Who may write what").
 */

export interface OutboxRow {
  id: number;
  kind: string;
  key: string;
  payload: unknown;
}

export async function lastOutboxId(db: SqlDatabase): Promise<number> {
  const [row] = await db.query<{ n: number | null }>(sql`SELECT MAX(id) AS n FROM klaviyo_outbox`);
  return Number(row?.n ?? 0);
}

export async function outboxRowsAfter(db: SqlDatabase, id: number): Promise<OutboxRow[]> {
  const rows = await db.query<{ id: number; kind: string; dedup_key: string; payload: unknown }>(
    sql`SELECT id, kind, dedup_key, payload FROM klaviyo_outbox WHERE id > ${id} ORDER BY id`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    key: r.dedup_key,
    payload: typeof r.payload === 'string' ? safeJson(r.payload) : r.payload,
  }));
}

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return Symbol.for('unparseable');
  }
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const E164 = /^\+[1-9]\d{6,14}$/;
// Klaviyo's exchange id is `<token>.<company id>`; the token is URL-safe text (klaviyo.js writes it).
const EXCHANGE_ID = new RegExp(`^[A-Za-z0-9_=+/-]{1,200}\\.${COMPANY_ID}$`);
const IDENTITY_KEYS = new Set(['email', 'phone_number', 'external_id', '_kx', 'first_name', 'last_name']);
const METRIC_NAMES = new Set<string>(Object.values(METRICS));

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isIso = (v: unknown) =>
  typeof v === 'string' && !Number.isNaN(Date.parse(v)) && /^\d{4}-\d\d-\d\dT/.test(v);
const shortText = (v: unknown, max: number) => typeof v === 'string' && v.trim() !== '' && v.length <= max;

/** Problems with a profile identity: unknown keys, malformed identifiers, nothing to resolve by. */
function identityProblems(profile: unknown): string[] {
  if (!isObject(profile)) return ['profile is not an object'];
  const problems: string[] = [];
  for (const key of Object.keys(profile))
    if (!IDENTITY_KEYS.has(key)) problems.push(`profile has key ${key}`);
  const { email, phone_number, external_id, _kx, first_name, last_name } = profile;
  if (
    email !== undefined &&
    !(
      typeof email === 'string' &&
      email.length <= 254 &&
      EMAIL.test(email) &&
      email === email.trim().toLowerCase()
    )
  )
    problems.push(`email ${JSON.stringify(email)} is not a normalised address`);
  if (
    phone_number !== undefined &&
    !(typeof phone_number === 'string' && E164.test(phone_number) && toE164(phone_number) === phone_number)
  )
    problems.push(`phone_number ${JSON.stringify(phone_number)} is not E.164`);
  if (external_id !== undefined && !shortText(external_id, 255))
    problems.push('external_id is not short text');
  if (_kx !== undefined && !(typeof _kx === 'string' && EXCHANGE_ID.test(_kx)))
    problems.push(`_kx ${JSON.stringify(_kx)} is not an exchange id of ${COMPANY_ID}`);
  for (const [k, v] of [
    ['first_name', first_name],
    ['last_name', last_name],
  ] as const)
    if (v !== undefined && !shortText(v, 255)) problems.push(`${k} is not short text`);
  if (!email && !phone_number && !external_id && !_kx) problems.push('profile has no identifier');
  return problems;
}

/** Why a stored row is not a message Klaviyo accepts; empty when it is one. */
export function messageProblems(row: OutboxRow): string[] {
  const p = row.payload;
  if (!isObject(p)) return ['payload is not a JSON object'];
  if (!shortText(row.key, 512)) return ['dedup key is not short text'];
  const problems = identityProblems(p.profile);
  switch (row.kind) {
    case 'event': {
      if (!METRIC_NAMES.has(p.metric as string)) problems.push(`unknown metric ${JSON.stringify(p.metric)}`);
      if (!shortText(p.uniqueId, 255)) problems.push('event without a unique_id');
      else if (row.key !== `event:${p.uniqueId}`) problems.push('event key is not its unique_id');
      if (!isIso(p.time)) problems.push('event time is not ISO 8601');
      if (!isObject(p.properties)) problems.push('event properties are not an object');
      if (p.value !== undefined && !(typeof p.value === 'number' && Number.isFinite(p.value)))
        problems.push('event value is not a finite number');
      break;
    }
    case 'profile': {
      if (p.properties !== undefined && !isObject(p.properties))
        problems.push('properties are not an object');
      if (isObject(p.properties)) {
        for (const [k, v] of Object.entries(p.properties)) {
          if (k === '' || k.length > 255) problems.push(`property name ${JSON.stringify(k)}`);
          if (v !== null && typeof v === 'object') problems.push(`property ${k} is not a scalar`);
        }
      }
      if (p.location !== undefined) {
        if (!isObject(p.location)) problems.push('location is not an object');
        else
          for (const [k, v] of Object.entries(p.location))
            if (v !== undefined && v !== null && typeof v !== 'string')
              problems.push(`location.${k} is not text`);
      }
      break;
    }
    case 'consent': {
      const profile = isObject(p.profile) ? p.profile : {};
      if (p.channel !== 'email' && p.channel !== 'sms')
        problems.push(`consent channel ${JSON.stringify(p.channel)}`);
      if (p.channel === 'email' && !profile.email) problems.push('email consent without its email');
      if (p.channel === 'sms' && !profile.phone_number) problems.push('SMS consent without its phone number');
      if (p.status !== 'SUBSCRIBED' && p.status !== 'UNSUBSCRIBED') problems.push('consent status');
      if (!isIso(p.consentedAt)) problems.push('consentedAt is not ISO 8601');
      if (!shortText(p.source, 255)) problems.push('consent source');
      if (p.id !== row.key) problems.push('consent key is not its id');
      break;
    }
    case 'back-in-stock': {
      const profile = isObject(p.profile) ? p.profile : {};
      if (typeof p.variantId !== 'string' || !sellableVariant(p.variantId))
        problems.push('back in stock for no variant');
      const channels = Array.isArray(p.channels) ? p.channels : [];
      if (channels.length === 0 || channels.some((c) => c !== 'EMAIL' && c !== 'SMS'))
        problems.push('channels');
      if (channels.includes('EMAIL') && !profile.email) problems.push('EMAIL channel without an email');
      if (channels.includes('SMS') && !profile.phone_number) problems.push('SMS channel without a phone');
      break;
    }
    default:
      problems.push(`unknown kind ${row.kind}`);
  }
  return problems;
}

/** The identifiers a row names (emails and phones), normalised as Klaviyo resolves them. */
function identifiersOf(row: OutboxRow): { field: 'email' | 'phone_number'; value: string }[] {
  const profile = isObject(row.payload) && isObject(row.payload.profile) ? row.payload.profile : {};
  const out: { field: 'email' | 'phone_number'; value: string }[] = [];
  if (typeof profile.email === 'string')
    out.push({ field: 'email', value: profile.email.trim().toLowerCase() });
  if (typeof profile.phone_number === 'string')
    out.push({ field: 'phone_number', value: profile.phone_number });
  return out;
}

/** The identifier a consent or back-in-stock request is about: typing it is the request itself. */
function subjectOf(row: OutboxRow): string | undefined {
  const p = isObject(row.payload) ? row.payload : {};
  const profile = isObject(p.profile) ? p.profile : {};
  if (row.kind === 'consent') return (p.channel === 'sms' ? profile.phone_number : profile.email) as string;
  if (row.kind === 'back-in-stock') {
    const channels = Array.isArray(p.channels) ? p.channels : [];
    if (channels.length === 1)
      return (channels[0] === 'SMS' ? profile.phone_number : profile.email) as string;
  }
  return undefined;
}

/** Who made the request, as far as the server could verify, and what this request may name besides. */
export interface CallerScope {
  /** Emails and E.164 phones of the customers whose live session the request carried. */
  verified: Set<string>;
  /**
   * Identifiers a row may carry for this request although unverified, with the row kinds they may
   * appear in: a placed order carries the email and phone given for it (DESIGN.md).
   */
  allowed?: { values: Set<string>; rows: (row: OutboxRow) => boolean };
}

/**
 * Rows that write to a profile the caller does not own: an identifier the caller did not verify,
 * unless it is the one identifier a consent or back-in-stock request is about (consent is recorded
 * per identifier; an SMS consent carries only a verified email beside the phone).
 */
export function ownershipProblems(row: OutboxRow, scope: CallerScope): string[] {
  const subject = subjectOf(row);
  const problems: string[] = [];
  for (const { field, value } of identifiersOf(row)) {
    if (value === subject || scope.verified.has(value)) continue;
    if (scope.allowed?.values.has(value) && scope.allowed.rows(row)) continue;
    problems.push(`${row.kind} row ${row.key} names ${field} ${value} the caller did not verify`);
  }
  return problems;
}

/** Normalises a typed email or phone the way the handlers do, for `allowed` sets. */
export function normalisedIdentifiers(email: unknown, phone: unknown): Set<string> {
  const out = new Set<string>();
  if (typeof email === 'string') out.add(email.trim().toLowerCase());
  if (typeof phone === 'string' && phone.trim()) {
    for (const country of ['US', 'CA', 'GB', 'IE', 'AU', 'NZ', 'DE', 'FR', 'NL'] as const) {
      const e164 = toE164(phone, country);
      if (e164) out.add(e164);
    }
  }
  return out;
}
