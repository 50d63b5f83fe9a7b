import { describe, expect, it } from 'vitest';
import { ControllableClock } from '../../emulator/core/clock.js';
import { isoTime } from '../../emulator/core/ids.js';
import { SchemaValidator } from '../../emulator/core/schema.js';
import { loadSpec } from '../../emulator/core/spec.js';
import { seedAudience } from '../../emulator/seed/audience.js';
import { seededRandom } from '../../emulator/seed/random.js';
import { Account } from '../../emulator/store/account.js';

const NOW = Date.parse('2026-07-15T12:00:00Z');
const DAY = 86_400_000;

function seeded(seed = 20260715) {
  const clock = new ControllableClock();
  clock.freeze(NOW);
  const account = new Account('Abc123', 'Demo', clock);
  seedAudience(account, seededRandom(seed));
  return account;
}

const byName = <G extends { attributes: Record<string, any> }>(groups: Map<string, G>) =>
  new Map([...groups.values()].map((g) => [g.attributes.name as string, g]));

describe('seedAudience', () => {
  it('is deterministic for a seed: same ids, people, consent and memberships', () => {
    const a = seeded();
    const b = seeded();
    expect([...a.profiles.keys()]).toEqual([...b.profiles.keys()]);
    expect([...a.profiles.values()].map((p) => p.attributes)).toEqual(
      [...b.profiles.values()].map((p) => p.attributes),
    );
    expect([...a.lists.values()].map((l) => [l.id, [...l.members]])).toEqual(
      [...b.lists.values()].map((l) => [l.id, [...l.members]]),
    );
    expect([...a.segments.keys()]).toEqual([...b.segments.keys()]);
    expect([...seeded(1).lists.keys()]).not.toEqual([...a.lists.keys()]);
  });

  it('creates about 2,000 distinct people who signed up over the last 18 months', () => {
    const profiles = [...seeded().profiles.values()];
    expect(profiles).toHaveLength(2000);
    const emails = profiles.map((p) => p.attributes.email);
    expect(new Set(emails).size).toBe(2000);
    expect(emails.every((e) => /^[a-z0-9._]+@[a-z0-9.-]+\.[a-z]+$/.test(e))).toBe(true);
    expect(new Set(emails.map((e) => e.split('@')[1])).size).toBeGreaterThan(15);
    const phones = profiles.map((p) => p.attributes.phone_number).filter(Boolean);
    expect(phones.length).toBeGreaterThan(400);
    expect(new Set(phones).size).toBe(phones.length);
    expect(phones.every((p) => /^\+[1-9]\d{9,14}$/.test(p))).toBe(true);
    for (const p of profiles) {
      expect(p.createdMs).toBeGreaterThan(NOW - 550 * DAY);
      expect(p.createdMs).toBeLessThanOrEqual(p.updatedMs);
      expect(p.updatedMs).toBeLessThanOrEqual(NOW);
      expect(p.attributes.created).toBe(isoTime(p.createdMs));
    }
    // Stored in sign-up order, with ULIDs that encode the sign-up time.
    expect(profiles.map((p) => p.createdMs)).toEqual(
      [...profiles.map((p) => p.createdMs)].sort((x, y) => x - y),
    );
    expect([...profiles.map((p) => p.id)]).toEqual(profiles.map((p) => p.id).sort());
    expect(profiles.some((p) => Object.keys(p.attributes.properties).length > 2)).toBe(true);
    expect(new Set(profiles.map((p) => p.attributes.location.country)).size).toBeGreaterThanOrEqual(4);
  });

  it('gives a good share email and SMS consent, with suppressions for the unsubscribed', () => {
    const profiles = [...seeded().profiles.values()];
    const email = (p: (typeof profiles)[number]) => p.subscriptions.email?.marketing;
    const subscribed = profiles.filter((p) => email(p)?.consent === 'SUBSCRIBED');
    expect(subscribed.length / profiles.length).toBeGreaterThan(0.5);
    const unsubscribed = profiles.filter((p) => email(p)?.consent === 'UNSUBSCRIBED');
    expect(unsubscribed.length).toBeGreaterThan(50);
    expect(unsubscribed.every((p) => email(p).suppression[0]?.reason === 'UNSUBSCRIBE')).toBe(true);
    const sms = profiles.filter((p) => p.subscriptions.sms?.marketing?.consent === 'SUBSCRIBED');
    expect(sms.length).toBeGreaterThan(200);
    expect(sms.every((p) => p.attributes.phone_number)).toBe(true);
  });

  it('builds the six lists from consent and history, joined no earlier than sign-up', () => {
    const account = seeded();
    const lists = byName(account.lists);
    expect([...lists.keys()]).toEqual([
      'Newsletter',
      'VIP Customers',
      'SMS Subscribers',
      'Back in Stock Interest',
      'Wholesale Leads',
      'Early Access: Spring Collection',
    ]);
    const newsletter = lists.get('Newsletter') as any;
    for (const id of newsletter.members.keys()) {
      expect(account.profiles.get(id)?.subscriptions.email?.marketing?.consent).toBe('SUBSCRIBED');
    }
    for (const id of (lists.get('SMS Subscribers') as any).members.keys()) {
      expect(account.profiles.get(id)?.subscriptions.sms?.marketing?.consent).toBe('SUBSCRIBED');
    }
    for (const id of (lists.get('Wholesale Leads') as any).members.keys()) {
      expect(account.profiles.get(id)?.attributes.organization).toBeTruthy();
    }
    for (const list of account.lists.values()) {
      expect(list.members.size).toBeGreaterThan(20);
      expect(['single_opt_in', 'double_opt_in']).toContain(list.attributes.opt_in_process);
      for (const [id, joined] of list.members) {
        expect(joined).toBeGreaterThanOrEqual(list.createdMs);
        expect(joined).toBeLessThanOrEqual(NOW);
        expect(account.profiles.has(id)).toBe(true);
      }
    }
  });

  it('builds six segments whose definitions validate against the spec and whose members fit them', () => {
    const account = seeded();
    const segments = byName(account.segments);
    expect(segments.size).toBe(6);
    const validator = new SchemaValidator(loadSpec());
    for (const s of account.segments.values()) {
      expect(() =>
        validator.assertValid('#/components/schemas/SegmentDefinition', s.attributes.definition),
      ).not.toThrow();
      expect(s.attributes).toMatchObject({ is_active: true, is_processing: false });
      expect(s.members.size).toBeGreaterThan(20);
    }
    const engaged = segments.get('Engaged (30 days)') as any;
    for (const [id, joined] of engaged.members) {
      expect(joined).toBeGreaterThan(NOW - 30 * DAY);
      expect(Date.parse(account.profiles.get(id)?.attributes.last_event_date)).toBeGreaterThan(
        NOW - 30 * DAY,
      );
    }
    const fresh = segments.get('New Subscribers (14 days)') as any;
    for (const id of fresh.members.keys()) {
      const consent = account.profiles.get(id)?.subscriptions.email?.marketing;
      expect(Date.parse(consent.consent_timestamp)).toBeGreaterThan(NOW - 14 * DAY);
    }
    const newsletterId = byName(account.lists).get('Newsletter')?.id;
    const neverPurchased = segments.get('Newsletter, Never Purchased') as any;
    expect(neverPurchased.attributes.definition.condition_groups[0].conditions[0].group_ids).toEqual([
      newsletterId,
    ]);
    const metricIds = new Set([...account.metrics.values()].map((m) => m.id));
    const repeat = segments.get('Repeat Buyers') as any;
    expect(metricIds.has(repeat.attributes.definition.condition_groups[0].conditions[0].metric_id)).toBe(
      true,
    );
  });

  it('is fast enough to seed on every emulator start', () => {
    const started = performance.now();
    seeded(99);
    // The budget is ~300 ms; the bound is loose so a busy CI machine does not flake, while
    // accidental quadratic work over 2,000 profiles (seconds) still fails.
    expect(performance.now() - started).toBeLessThan(1500);
  });
});
