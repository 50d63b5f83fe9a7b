export { type EraseOptions, eraseFromOutbox } from './erase-from-outbox';
export { redactDeliveredDeletions } from './redact';
export { withSecureDelete } from './secure-delete';
export type { DeletionIdentifier, ErasureSubject, OutboxErasure, ProfileDeletionRequest } from './types';
