import { withTimeout } from '@polybus/core/transport';
import type { ConnectionManager } from './connection';
import { groupQueueName } from './naming';

/** Longest a backlog read waits for the broker (a metrics scrape must not hang on it). */
const BACKLOG_TIMEOUT_MS = 5_000;

/**
 * `Transport.backlog` on RabbitMQ: the ready messages of the group's queue, from one
 * `queue.declare passive` on a channel of its own (a missing queue closes the channel it was asked
 * on). Not counted, as AMQP does not tell them: messages delivered to a consumer and not acked yet,
 * and retries waiting out their delay in the shared TTL queues. Undefined when the queue does not
 * exist (it is not declared), the connection is down, or the broker does not answer in time.
 */
export async function rabbitBacklog(
  connection: ConnectionManager,
  subscription: { topic: string; group: string },
): Promise<number | undefined> {
  if (!connection.isUp) return undefined;
  const read = async (): Promise<number> => {
    const channel = await connection.createChannel();
    try {
      const { messageCount } = await channel.checkQueue(
        groupQueueName(subscription.topic, subscription.group),
      );
      return messageCount;
    } finally {
      await channel.close().catch(() => undefined); // already closed by a 404
    }
  };
  return withTimeout(read(), BACKLOG_TIMEOUT_MS, () => new Error('no answer')).catch(() => undefined);
}
