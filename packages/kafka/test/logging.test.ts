import { createBus, type LogFields } from '@polybus/core';
import { createSpy } from '@polybus/core/testing';
import { testTransport, unique } from './helpers';

/** Keeps what a user would see: warnings and errors. */
function visibleLog() {
  const entries: string[] = [];
  const keep = (level: string) => (message: string, fields?: LogFields) =>
    void entries.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  return { entries, logger: { debug() {}, info() {}, warn: keep('warn'), error: keep('error') } };
}

describe('kafka: a normal run logs nothing a user has to read', () => {
  it('publishing to a topic the broker creates on first use, then consuming it, logs no warning or error', async () => {
    const { entries, logger } = visibleLog();
    const topic = unique('log-autocreate');
    const publisher = createBus({ transport: testTransport({ logger }), logger });
    // The broker creates the topic on this first publish: kafkajs retries its metadata request
    // ("This server does not host this topic-partition") until the leader is elected.
    const sent = await publisher.publish(topic, { n: 1 });
    const consumer = createBus({ transport: testTransport({ logger }), logger });
    const spy = createSpy();
    consumer.bind(topic, spy.handler, { group: unique('g') });
    await consumer.start();
    await spy.waitFor({ id: sent.id }, { timeoutMs: 30_000 });
    await Promise.all([publisher.stop(), consumer.stop()]);
    expect(entries).toEqual([]);
  }, 90_000);
});
