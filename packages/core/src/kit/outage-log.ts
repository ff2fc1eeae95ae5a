import type { LogFields, Logger } from '../logger';

/** What an `OutageLog` says as an outage begins and as it ends. */
export interface OutageMessages {
  /** Logged at warn on the first failure after a success (or at the start). */
  readonly lost: string;
  /** Logged at info on the first success after failures, with how many and for how long. */
  readonly back: string;
}

/**
 * Logs a connection or poll outage once per change of state, not once per attempt: the first
 * failure warns, the ones after it go to debug, and the first success after them says the
 * outage ended, with the number of failures and its length. One instance per thing that fails
 * together (a connection, a queue's receive loops), shared by everything that retries it.
 */
export class OutageLog {
  private since: number | undefined;
  private failures = 0;

  constructor(
    private readonly logger: Logger,
    private readonly messages: OutageMessages,
    private readonly fields: LogFields = {},
  ) {}

  /** True between a failure and the next success. */
  get down(): boolean {
    return this.since !== undefined;
  }

  failed(error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.failures++;
    if (this.since !== undefined) {
      this.logger.debug(this.messages.lost, { ...this.fields, error: reason, failures: this.failures });
      return;
    }
    this.since = Date.now();
    this.logger.warn(this.messages.lost, { ...this.fields, error: reason });
  }

  succeeded(): void {
    if (this.since === undefined) return;
    this.logger.info(this.messages.back, {
      ...this.fields,
      failures: this.failures,
      outageMs: Date.now() - this.since,
    });
    this.since = undefined;
    this.failures = 0;
  }
}
