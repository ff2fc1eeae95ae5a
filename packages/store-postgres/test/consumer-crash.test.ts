import { createBus, silentLogger } from '@polybus/core';
import { createSpy, waitFor } from '@polybus/core/testing';
import { inboxClient } from '@polybus/store-postgres';
import { brokerCases, transportFor, workerSpec, type BrokerCase } from './brokers';
import { inboxFixture } from './inbox-fixture';
import { suffix } from './pg-helpers';
import { exited, spawnWorker } from './workers/spawn-worker';

const fx = inboxFixture({ stopTimeoutMs: 5_000 });
const { db, inbox, buses } = fx;

it('knows at least one real broker adapter', () => {
  expect(brokerCases.length).toBeGreaterThan(0);
});

describe.each(brokerCases)(
  'SIGKILL between the inbox commit and the broker ack on $name',
  (broker: BrokerCase) => {
    it('the redelivery is skipped as a duplicate and the effect exists once', async () => {
      // url-created buses are covered by the e2e test; here Kafka needs a short session timeout
      const topic = `eo.crash.${suffix()}`;
      const group = `billing-${suffix()}`; // a fresh group: no stale members from earlier runs to wait for
      const worker = spawnWorker('consumer-worker.ts', [
        ...workerSpec(broker),
        topic,
        group,
        db.prefix,
        'crash-after-commit',
      ]);
      await waitFor(() => worker.output().includes('ready') || worker.exitCode !== null, {
        timeoutMs: 60_000,
      });
      expect(worker.output()).toContain('ready');

      const publisher = createBus({ transport: transportFor(broker), logger: silentLogger });
      buses.push(publisher);
      const { id } = await publisher.publish(topic, { n: 1 });
      expect(await exited(worker)).toBe('SIGKILL');
      const count = async (): Promise<number> =>
        Number(
          (await db.pool.query(`SELECT count(*) AS n FROM ${fx.effects} WHERE message_id = $1`, [id])).rows[0]
            .n,
        );
      expect(await count()).toBe(1); // committed before the kill

      // a second member of the group gets the unacked message again
      const consumer = createBus({ transport: transportFor(broker), logger: silentLogger });
      buses.push(consumer);
      const spy = createSpy(async (message, ctx) => {
        await inboxClient(ctx).query(`INSERT INTO ${fx.effects} (message_id) VALUES ($1)`, [message.id]);
      });
      consumer.bind(topic, spy.handler, { group, guarantee: 'exactly-once', idempotency: inbox });
      await consumer.start();
      await waitFor(async () => (await consumer.health()).bindings[0].counters.duplicates >= 1, {
        timeoutMs: 90_000,
        description: 'the redelivery reached the second consumer',
      });
      expect(spy.calls).toHaveLength(0);
      expect(await count()).toBe(1);
    }, 150_000);
  },
);
