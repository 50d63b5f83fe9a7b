import { type Context, created, type HandlerTable, ok } from '../core/context.js';
import { invalid, notFound } from '../core/errors.js';
import { listDocument, readAttribute, relationship, toResource } from '../core/jsonapi.js';
import type { ProfileRecord } from '../store/types.js';

/** The `subscriptions` additional field with Klaviyo's defaults for a profile that never consented. */
export function subscriptionsOf(profile: ProfileRecord): Record<string, any> {
  const never = {
    consent: 'NEVER_SUBSCRIBED',
    consent_timestamp: null,
    last_updated: null,
    method: null,
    method_detail: null,
  };
  const s = profile.subscriptions;
  return {
    email: {
      marketing: {
        can_receive_email_marketing:
          Boolean(profile.attributes.email) && s.email?.marketing?.consent === 'SUBSCRIBED',
        ...never,
        custom_method_detail: null,
        double_optin: null,
        suppression: [],
        list_suppressions: [],
        ...s.email?.marketing,
      },
    },
    sms: {
      marketing: {
        can_receive_sms_marketing:
          Boolean(profile.attributes.phone_number) && s.sms?.marketing?.consent === 'SUBSCRIBED',
        ...never,
        ...s.sms?.marketing,
      },
      transactional: {
        can_receive_sms_transactional:
          Boolean(profile.attributes.phone_number) && s.sms?.transactional?.consent === 'SUBSCRIBED',
        ...never,
        ...s.sms?.transactional,
      },
    },
    mobile_push: {
      marketing: { can_receive_push_marketing: false, consent: 'NEVER_SUBSCRIBED', consent_timestamp: null },
    },
  };
}

export function renderProfile(ctx: Context, profile: ProfileRecord) {
  const extra = ctx.query.additionalFields.profile ?? [];
  const attributes: Record<string, any> = { ...profile.attributes };
  if (extra.includes('subscriptions')) attributes.subscriptions = subscriptionsOf(profile);
  if (extra.includes('predictive_analytics')) attributes.predictive_analytics = predictive(ctx, profile);
  return toResource(ctx, 'profile', profile.id, attributes, {
    lists: relationship(ctx, 'profile', profile.id, 'lists'),
    segments: relationship(ctx, 'profile', profile.id, 'segments'),
    'push-tokens': relationship(ctx, 'profile', profile.id, 'push-tokens'),
    conversations: relationship(ctx, 'profile', profile.id, 'conversations'),
  });
}

/** Historic figures from the profile's Placed Order events; predictions are left null. */
function predictive(ctx: Context, profile: ProfileRecord) {
  const placed = [...ctx.account.metrics.values()].find((m) => m.name === 'Placed Order');
  const orders = placed
    ? [...ctx.account.events.values()].filter((e) => e.profileId === profile.id && e.metricId === placed.id)
    : [];
  const total = orders.reduce((sum, e) => sum + (Number(e.properties.$value) || 0), 0);
  return {
    historic_clv: total,
    predicted_clv: null,
    total_clv: total,
    historic_number_of_orders: orders.length,
    predicted_number_of_orders: null,
    average_days_between_orders: null,
    average_order_value: orders.length ? total / orders.length : 0,
    churn_probability: null,
    expected_date_of_next_order: null,
    ranked_channel_affinity: null,
  };
}

export function readProfileField(profile: ProfileRecord, field: string): unknown {
  if (field === 'id' || field === 'profile_id') return profile.id;
  if (field === 'anonymous_id') return [...profile.anonymousIds];
  if (field === '_kx') return profile.exchangeId ? [profile.exchangeId] : [];
  if (field === 'created') return profile.createdMs;
  if (field === 'updated') return profile.updatedMs;
  return readAttribute(profile.attributes, field);
}

export function profileSortValue(profile: ProfileRecord, field: string) {
  if (field === 'created') return profile.createdMs;
  if (field === 'updated') return profile.updatedMs;
  if (field === 'id') return profile.id;
  return (readAttribute(profile.attributes, field) as string | null | undefined) ?? null;
}

export function getProfileOr404(ctx: Context, id: string | undefined): ProfileRecord {
  const profile = id ? ctx.account.profiles.get(id) : undefined;
  if (!profile) throw notFound(`Profile '${id}' does not exist.`);
  return profile;
}

/** A profile write must name someone; a `_kx` the account never issued names no one. */
function requireIdentifier(ctx: Context, attributes: Record<string, any>): void {
  if (ctx.account.identifies(attributes)) return;
  throw (
    ctx.account.unissuedExchangeId(attributes, '/data/attributes') ??
    invalid('A profile needs at least one identifier: email, phone_number or external_id.', {
      pointer: '/data/attributes',
    })
  );
}

export const profileHandlers: HandlerTable = {
  get_profiles: (ctx) =>
    ok(
      listDocument(ctx, ctx.account.profiles.values(), {
        read: readProfileField,
        sortValue: profileSortValue,
        render: (p) => renderProfile(ctx, p),
      }),
    ),

  get_profile: (ctx) => {
    const profile = getProfileOr404(ctx, ctx.params.id);
    const included: unknown[] = [];
    const resource = renderProfile(ctx, profile);
    if (ctx.query.include.includes('lists')) {
      const lists = [...ctx.account.lists.values()].filter((l) => l.members.has(profile.id));
      (resource.relationships as any).lists.data = lists.map((l) => ({ type: 'list', id: l.id }));
      for (const l of lists) included.push(toResource(ctx, 'list', l.id, l.attributes));
    }
    if (ctx.query.include.includes('segments')) {
      const segments = [...ctx.account.segments.values()].filter((s) => s.members.has(profile.id));
      (resource.relationships as any).segments.data = segments.map((s) => ({ type: 'segment', id: s.id }));
      for (const s of segments) included.push(toResource(ctx, 'segment', s.id, s.attributes));
    }
    return ok({
      data: resource,
      links: { self: resource.links.self },
      ...(included.length ? { included } : {}),
    });
  },

  create_profile: (ctx) => {
    const data = ctx.body.data;
    const attributes = data.attributes ?? {};
    requireIdentifier(ctx, attributes);
    const owner = ctx.account.identifierOwner(attributes);
    if (owner) throw ctx.account.duplicateProfileError(owner);
    const profile = ctx.account.createProfile({ attributes, meta: data.meta });
    return created({ data: renderProfile(ctx, profile) });
  },

  update_profile: (ctx) => {
    const profile = getProfileOr404(ctx, ctx.params.id);
    const data = ctx.body.data;
    const owner = ctx.account.identifierOwner(data.attributes ?? {}, profile.id);
    if (owner) throw ctx.account.duplicateProfileError(owner);
    ctx.account.applyProfile(profile, { attributes: data.attributes, meta: data.meta });
    return ok({ data: renderProfile(ctx, profile) });
  },

  /**
   * profile-import: create-or-update; 201 when created, 200 when updated (spec responses). A `_kx`
   * finds the profile Klaviyo issued it for, after id, email, phone and external id; it is never
   * stored and never returned (exchange-ids.ts).
   */
  create_or_update_profile: (ctx) => {
    const data = ctx.body.data;
    const attributes = data.attributes ?? {};
    if (!data.id) requireIdentifier(ctx, attributes);
    const existing = ctx.account.findProfile({ id: data.id, attributes });
    if (data.id && !existing) throw notFound(`Profile '${data.id}' does not exist.`);
    if (existing) {
      const owner = ctx.account.identifierOwner(attributes, existing.id);
      if (owner) throw ctx.account.duplicateProfileError(owner);
      ctx.account.applyProfile(existing, { attributes, meta: data.meta });
      return ok({ data: renderProfile(ctx, existing) });
    }
    const profile = ctx.account.createProfile({ attributes, meta: data.meta });
    return created({ data: renderProfile(ctx, profile) });
  },
};
