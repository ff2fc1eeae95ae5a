export { runConformanceSuite, conformanceCases } from './suite';
export type { ConformanceCase } from './case';
export type { ConformanceOptions } from './options';
export { DEFAULT_RETRY_FOR_TESTS } from './options';
export { Tally, assertTally } from './tally';
export { Harness } from './harness';
export { testMessage } from './test-message';
export { expectBrokerDownContract } from './broker-down';
