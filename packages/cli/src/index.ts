export {
  deadLetterOperations,
  deadLetterTopicOf,
  type DeadLetterOperations,
  type DeadLetterOperationsOptions,
} from './dead-letter-operations';
export type { DeadLetterListing, DeadLetterGroup } from './summary';
export type { DeadLetterDetail } from './letter-detail';
export type { ReplayOptions, ReplayReport } from './replay';
export type { PurgeReport } from './purge';
export type { LetterFilter } from './filter';
export { parseSince } from './filter';
export { errorFingerprint } from './fingerprint';
export { replayCopy, REPLAYED_FROM_HEADER } from './replay-copy';
