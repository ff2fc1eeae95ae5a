import type { Admin } from 'kafkajs';
import type { TransportHealth } from '@polybus/core';
import type { KafkaSubscription } from './subscription';

/**
 * The Kafka transport's health. Not ok while the cluster does not answer (`connect`, then the
 * admin's `describeCluster`: broker count and controller in `details`), or while a binding's
 * consumer is in a crash loop: it then consumes nothing though the cluster is fine. `crashLoops`
 * names those bindings (topic, group, crashes, last error) whether the cluster answers or not.
 * Never throws: a failure is `ok: false` with its message as `details.error`.
 */
export async function kafkaHealth(
  connect: () => Promise<void>,
  admin: Admin,
  subscriptions: Iterable<KafkaSubscription>,
): Promise<TransportHealth> {
  const crashLoops = [...subscriptions].flatMap((s) => {
    const loop = s.crashLoop;
    return loop === undefined ? [] : [{ topic: s.options.topic, group: s.options.group, ...loop }];
  });
  try {
    await connect();
    const cluster = await admin.describeCluster();
    const details = { brokers: cluster.brokers.length, controller: cluster.controller };
    if (crashLoops.length > 0) return { ok: false, details: { ...details, crashLoops } };
    return { ok: true, details };
  } catch (error) {
    return {
      ok: false,
      details: { error: (error as Error).message, ...(crashLoops.length ? { crashLoops } : {}) },
    };
  }
}
