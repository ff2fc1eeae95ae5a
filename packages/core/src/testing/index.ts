// `@polybus/core/testing`: test doubles for users' tests and the project's own — an awaitable
// handler spy, waitFor, a logger that records, and the memory transport's fault switches.
export { createSpy, type HandlerSpy, type SpyCall, type SpyMatch } from './handler-spy';
export { waitFor, type WaitOptions } from './wait-for';
export { recordingLogger, type RecordedLog, type RecordingLogger } from './recording-logger';
export type { MemoryFaults } from '../memory/memory-faults';
