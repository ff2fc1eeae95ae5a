import type { RetryOptions, Transport } from '@polybus/core';

export interface ConformanceOptions {
  /** Shown in the suite's title: 'kafka', 'rabbitmq', ... */
  name: string;
  /** Called once per bus; every call returns a new, unconnected transport. */
  createTransport: () => Transport;
  /** How long a case waits for deliveries. Default 30 000 ms. */
  waitMs?: number;
  /** Messages in the load cases. Default 2 000. */
  loadMessages?: number;
  /** Retry policy of the retry cases; keep delays small. */
  retry?: RetryOptions;
  /**
   * How long a crashed consumer's unacked delivery takes to come back on this broker (visibility
   * timeout, session timeout). Default 30 000 ms.
   */
  redeliveryMs?: number;
  /** Cases to skip on this transport, each with its reason: { 'per-key order': 'why' }. */
  skip?: Record<string, string>;
}

export const DEFAULT_RETRY_FOR_TESTS: RetryOptions = {
  maxAttempts: 3,
  initialDelayMs: 20,
  maxDelayMs: 200,
  immediateAttempts: 2,
};
