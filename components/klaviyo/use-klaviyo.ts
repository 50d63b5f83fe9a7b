'use client';

import { createContext, useContext } from 'react';
import type { KlaviyoOnsite, RelayBody } from '@/lib/klaviyo-next/browser';

/** klaviyo.js's methods, plus the server relay the event components post their ids to. */
export interface OnsiteApi extends KlaviyoOnsite {
  relay(body: RelayBody): Promise<boolean>;
}

/** Outside a provider (and so in any test render) every call resolves as not sent. */
const OUTSIDE_PROVIDER: OnsiteApi = {
  identify: async () => ({}),
  track: async () => false,
  trackViewedItem: async () => undefined,
  relay: async () => false,
};

export const KlaviyoContext = createContext<OnsiteApi>(OUTSIDE_PROVIDER);

/**
 * `identify`, `track` and `trackViewedItem` with klaviyo.js's signatures (docs/klaviyo-notes.md#methods).
 * Safe to call any time: before consent calls wait in memory, before klaviyo.js loads they wait in its
 * queue, and without a window (server rendering) they resolve as not sent. Call them from effects or
 * handlers, and do not await them on a path the shopper waits for: klaviyo.js may never load (ad blockers,
 * consent).
 */
export function useKlaviyo(): KlaviyoOnsite {
  return useContext(KlaviyoContext);
}

/** The same object with `relay`, for this folder's event components. */
export function useOnsite(): OnsiteApi {
  return useContext(KlaviyoContext);
}
