/**
 * The one identifier a data-privacy deletion names. request_profile_deletion (POST
 * /api/data-privacy-deletion-jobs): "If multiple identifiers are provided, we will return an error",
 * and "All profiles that match the provided identifier will be deleted"; so a person known by an email
 * and a phone gets one request for each.
 */
export type DeletionIdentifier = { email: string } | { phone_number: string };

/** An outbox message of kind `profile-deletion`: one request_profile_deletion. */
export interface ProfileDeletionRequest {
  /** The erasure it belongs to (klaviyo_erasures.id): a random id, never derived from the person. */
  erasureId: string;
  identifier: DeletionIdentifier;
}

/**
 * Who is being erased: every email and phone number (E.164) the host knows her by. Emails are
 * compared lower-cased, as the plugin's builders write them.
 */
export interface ErasureSubject {
  emails: readonly string[];
  phones: readonly string[];
}

/** What an erasure did to the plugin's tables (kept in klaviyo_erasures; no personal data). */
export interface OutboxErasure {
  erasureId: string;
  /** request_profile_deletion messages enqueued, one per identifier. */
  deletionRequests: number;
  /** Messages still waiting (pending, retrying) that named her: dropped, never sent. */
  droppedWaiting: number;
  /** Delivered messages that named her: deleted. */
  removedDelivered: number;
  /** Dead letters that named her: deleted. */
  removedDead: number;
  /** Fences on her order keys: deleted (the deletion waits until they would have ended). */
  removedFences: number;
  /** Dashboard cache entries that held her email or phone (a list's members): deleted, read again later. */
  removedCacheEntries: number;
  /** Webhook inbox items about her: identity and change removed, the external_id kept for dedup. */
  redactedInboxItems: number;
  /** When the deletion requests become due: after every write of hers already on its way has settled. */
  dueAt: number;
}
