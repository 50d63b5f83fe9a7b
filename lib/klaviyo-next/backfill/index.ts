export { historyBacklog } from './backlog';
export type { SkippedRecord } from './messages';
export {
  BACKFILL_PAGE_SIZE,
  type BackfillOptions,
  type BackfillProgress,
  type BackfillSummary,
  type DryRunSummary,
  dryRunBackfill,
  runBackfill,
} from './run';
export { BACKFILL_MIGRATIONS } from './schema';
export * from './types';
