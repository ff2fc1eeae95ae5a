export { instrumentBus, type InstrumentOptions } from './instrument-bus';
export { tracingMiddleware, type TracingOptions } from './tracing-middleware';
export type { TelemetryOptions } from './telemetry';
export { Attr as TelemetryAttributes, messagingSystem } from './attributes';
