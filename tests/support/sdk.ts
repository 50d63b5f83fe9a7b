import * as klaviyo from 'klaviyo-api';
import type { TestEmulator } from './emulator.js';

/**
 * Klaviyo's official Node SDK pointed at the emulator: each generated Api class takes a `basePath`,
 * and the SDK's own retry policy is limited to one attempt so tests see every status as sent.
 */
export function sdkFor(emu: TestEmulator) {
  const session = new klaviyo.ApiKeySession(
    emu.account.privateKey,
    new klaviyo.RetryWithExponentialBackoff({ numRetries: 1 }),
  );
  const make = <T extends { basePath: string }>(Api: new (s: klaviyo.Session) => T): T => {
    const api = new Api(session);
    api.basePath = emu.url;
    return api;
  };
  return {
    session,
    accounts: make(klaviyo.AccountsApi),
    profiles: make(klaviyo.ProfilesApi),
    events: make(klaviyo.EventsApi),
    metrics: make(klaviyo.MetricsApi),
    lists: make(klaviyo.ListsApi),
    segments: make(klaviyo.SegmentsApi),
    campaigns: make(klaviyo.CampaignsApi),
    flows: make(klaviyo.FlowsApi),
    reporting: make(klaviyo.ReportingApi),
    catalogs: make(klaviyo.CatalogsApi),
    webhooks: make(klaviyo.WebhooksApi),
    dataPrivacy: make(klaviyo.DataPrivacyApi),
  };
}

/** The JSON:API error list of a failed SDK call (the SDK throws the raw axios error). */
export function sdkError(error: unknown): { status: number; errors: any[]; headers: Record<string, string> } {
  const e = error as {
    response?: { status: number; data: { errors: any[] }; headers: Record<string, string> };
  };
  if (!e.response) throw error;
  return { status: e.response.status, errors: e.response.data?.errors ?? [], headers: e.response.headers };
}

/** Awaits an SDK call that must fail and returns its status, errors and headers. */
export async function sdkFailure(call: Promise<unknown>) {
  const outcome = await call.then(
    () => undefined,
    (error: unknown) => sdkError(error),
  );
  if (!outcome) throw new Error('Expected the SDK call to fail, but it succeeded.');
  return outcome;
}
