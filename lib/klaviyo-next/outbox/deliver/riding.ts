import type { EventProfile } from '../../api/resources/events';
import type { ProfileIdentity } from '../../events/identity';
import type { OutboxRecord } from '../types';

type EventRecord = Extract<OutboxRecord, { kind: 'event' }>;
type ProfileRecord = Extract<OutboxRecord, { kind: 'profile' }>;

/** What names a person to Klaviyo; `_kx` too, since it joins a browser's profile to whoever it names. */
const IDENTIFIERS = ['email', 'phone_number', 'external_id', '_kx'] as const;

/** Klaviyo keeps emails in lower case; the other identifiers compare as they are. */
function identifier(profile: ProfileIdentity, key: (typeof IDENTIFIERS)[number]): string | undefined {
  const value = profile[key];
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  return key === 'email' ? value.trim().toLowerCase() : value;
}

/**
 * Whether a profile write may ride on an event: the same person, by what both say. Every identifier
 * the write carries must be on the event with the same value (and there must be one), so a ride never
 * adds to the event an identifier the event did not already claim: a write naming a shopper's email
 * beside another phone would join that phone to her profile inside her own event, where no 409 could
 * stop it. Such a write goes on its own (profile import, or create_or_update_profile with its 409
 * handling), as if it had no events.
 */
export function sameIdentity(write: ProfileIdentity, event: ProfileIdentity): boolean {
  let shared = 0;
  for (const key of IDENTIFIERS) {
    const mine = identifier(write, key);
    if (mine === undefined) continue;
    if (identifier(event, key) !== mine) return false;
    shared++;
  }
  return shared > 0;
}

/** The profile an event's bulk entry carries when a write rides on it: the event's, plus the write's. */
export function riddenProfile(event: ProfileIdentity, write: ProfileRecord['payload']): EventProfile {
  const { profile, location, properties } = write;
  return {
    ...event,
    ...profile,
    ...(location ? { location } : {}),
    ...(properties ? { properties } : {}),
  } as EventProfile;
}

/** For each event a write rides on: the write and the profile the event is sent with. */
export type Rides = Map<number, { rider: ProfileRecord; profile: EventProfile }>;

/**
 * Which of a round's profile writes ride on which of its events (EventsBulkCreateQueryResourceObject:
 * an entry's profile takes identifiers, `_kx`, names, location and custom properties, and Klaviyo
 * applies them to the profile as it records the events). A write rides on every event of its person
 * in the round; an event carries at most one write (the oldest that fits). A round holds at most one
 * write per person (the outbox's order keys), so nothing a write rides with is older than it.
 */
export function planRides(writes: readonly ProfileRecord[], events: readonly EventRecord[]): Rides {
  const rides: Rides = new Map();
  if (writes.length === 0) return rides;
  // Events by each identifier they carry: a write looks only at the events sharing its first one.
  const byIdentifier = new Map<string, EventRecord[]>();
  for (const event of events) {
    for (const key of IDENTIFIERS) {
      const value = identifier(event.payload.profile, key);
      if (value === undefined) continue;
      const at = `${key}:${value}`;
      const list = byIdentifier.get(at);
      if (list) list.push(event);
      else byIdentifier.set(at, [event]);
    }
  }
  for (const rider of [...writes].sort((a, b) => a.id - b.id)) {
    const key = IDENTIFIERS.find((k) => identifier(rider.payload.profile, k) !== undefined);
    if (!key) continue;
    const candidates = byIdentifier.get(`${key}:${identifier(rider.payload.profile, key)}`) ?? [];
    for (const event of candidates) {
      if (rides.has(event.id) || !sameIdentity(rider.payload.profile, event.payload.profile)) continue;
      rides.set(event.id, { rider, profile: riddenProfile(event.payload.profile, rider.payload) });
    }
  }
  return rides;
}
