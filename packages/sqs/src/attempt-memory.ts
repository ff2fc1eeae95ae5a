/**
 * SQS cannot rewrite a message it redelivers, so the attempt number a nack hands back
 * (`nack({ attempt })`) cannot travel with the message. This remembers it per SQS MessageId, so
 * a redelivery to the same transport reports the core's count; a redelivery to another process
 * falls back to ApproximateReceiveCount. Bounded: the oldest entries are forgotten first.
 */
export class AttemptMemory {
  private readonly attempts = new Map<string, number>();

  constructor(private readonly capacity = 10_000) {}

  remember(messageId: string, attempt: number): void {
    this.attempts.delete(messageId);
    this.attempts.set(messageId, attempt);
    if (this.attempts.size > this.capacity) this.attempts.delete(this.attempts.keys().next().value as string);
  }

  // Both run once per delivery, and the map is almost always empty (only nacked messages are in
  // it): the size check skips hashing the id.
  recall(messageId: string): number {
    return this.attempts.size === 0 ? 0 : (this.attempts.get(messageId) ?? 0);
  }

  forget(messageId: string): void {
    if (this.attempts.size !== 0) this.attempts.delete(messageId);
  }
}
