import { spawn } from 'node:child_process';
import path from 'node:path';
import { createBus, PublishError, silentLogger, type Bus } from '@polybus/core';
import { type Delivery } from '@polybus/core/transport';
import { createSpy } from '@polybus/core/testing';
import { AMQP_URL, message, rabbitmqctl, subscribeOptions, transport, unique, waitFor } from './helpers';

const ROOT = path.resolve(__dirname, '../../..');

describe('rabbitmq under faults', () => {
  const buses: Bus[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.stop({ timeoutMs: 2_000 })));
  });

  it('a consumer process killed with SIGKILL before acking: the message is redelivered and processed', async () => {
    const topic = unique('kill');
    const worker = spawn(
      process.execPath,
      [
        '--conditions=polybus-source',
        '--import',
        require.resolve('tsx', { paths: [ROOT] }),
        path.join(__dirname, 'crash-worker.ts'),
        AMQP_URL,
        topic,
        'g',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    worker.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    worker.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      worker.on('exit', (_code, signal) => resolve(signal)),
    );
    await waitFor(`worker ready (stderr: ${err})`, () => out.includes('ready'), 30_000);

    const publisher = createBus({ transport: transport(), logger: silentLogger });
    buses.push(publisher);
    const { id } = await publisher.publish(topic, { job: 1 });
    await waitFor('the worker received it', () => out.includes(`got ${id}`));
    worker.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const survivor = createBus({ transport: transport(), logger: silentLogger });
    buses.push(survivor);
    const spy = createSpy<{ job: number }>();
    survivor.bind(topic, spy.handler, { group: 'g' });
    await survivor.start();
    const m = await spy.waitFor({ id }, { timeoutMs: 30_000 });
    expect(m.body).toEqual({ job: 1 });
  });

  describe('all connections closed by the broker mid-stream', () => {
    // A vhost of its own, so closing "all connections" touches no other test's connections.
    const vhost = unique('polybus-faults');
    const url = `${AMQP_URL}/${encodeURIComponent(vhost)}`;
    beforeAll(async () => {
      await rabbitmqctl('add_vhost', vhost);
      await rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
    });
    afterAll(() => rabbitmqctl('delete_vhost', vhost));

    it('loses nothing, and publishers and consumers resume by themselves', async () => {
      const topic = unique('kill-conns');
      const events: string[] = [];
      const logger = {
        ...silentLogger,
        info: (m: string) => events.push(m),
        warn: (m: string) => events.push(m),
      };
      const options = { url, logger, reconnect: { initialDelayMs: 50, maxDelayMs: 500 } };
      const consumer = createBus({ transport: transport(options), logger: silentLogger });
      const publisher = createBus({ transport: transport(options), logger: silentLogger });
      buses.push(consumer, publisher);
      const spy = createSpy<number>();
      consumer.bind(topic, spy.handler, { group: 'g', concurrency: 16 });
      await consumer.start();

      const confirmed = new Set<string>();
      const failed: unknown[] = [];
      let killed = false;
      let sentAfterKill = 0;
      const total = 1_500;
      const publishing = (async () => {
        for (let i = 0; i < total; i += 10) {
          const batch = Array.from({ length: 10 }, (_, j) => ({ topic, body: i + j }));
          try {
            for (const r of await publisher.publishBatch(batch)) confirmed.add(r.id);
            if (killed) sentAfterKill += batch.length;
          } catch (error) {
            failed.push(error);
          }
          await new Promise((resolve) => setTimeout(resolve, 20)); // a stream, not a burst
        }
      })();
      await waitFor('stream under way', () => spy.processed.length >= 300);
      const processedBefore = spy.processed.length;
      await rabbitmqctl('close_all_connections', '-p', vhost, 'test');
      killed = true;
      await publishing;

      expect(failed).toEqual([]);
      expect(processedBefore).toBeLessThan(total);
      expect(sentAfterKill).toBeGreaterThan(0);
      const processedIds = () => new Set(spy.processed.map((m) => m.id));
      await waitFor(
        'every confirmed message processed',
        () => [...confirmed].every((id) => processedIds().has(id)),
        60_000,
      );
      expect(confirmed.size).toBe(total);
      // all four connections (publish + consume of both transports) were lost and came back
      expect(events.filter((e) => e === 'rabbitmq connection lost, reconnecting').length).toBe(4);
      expect(events.filter((e) => e === 'rabbitmq reconnected').length).toBe(4);
      expect(events).toContain('rabbitmq consumer resumed');
    });
  });

  describe('a vhost of its own', () => {
    let vhost = '';
    let url = '';
    beforeEach(async () => {
      vhost = unique('polybus-outage');
      url = `${AMQP_URL}/${encodeURIComponent(vhost)}`;
      await rabbitmqctl('add_vhost', vhost);
      await rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
    });
    afterEach(() => rabbitmqctl('delete_vhost', vhost).catch(() => undefined));

    it('a publish during an outage waits up to publishTimeoutMs, then fails with PublishError; later ones succeed', async () => {
      const topic = unique('outage');
      const t = transport({
        url,
        publishTimeoutMs: 1_500,
        reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
      });
      await t.connect();
      await t.subscribe(subscribeOptions(topic), (d) => d.ack());
      await t.publish([message(topic, 1)], { guarantee: 'at-least-once' });
      await rabbitmqctl('delete_vhost', vhost); // connections dropped, reconnects refused
      const started = Date.now();
      const error = await t
        .publish([message(topic, 2)], { guarantee: 'at-least-once' })
        .catch((e: unknown) => e);
      expect(PublishError.is(error)).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
      await rabbitmqctl('add_vhost', vhost);
      await rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
      // the vhost came back empty: the consumer re-declares its queue, then publishes route again
      await waitFor('publish works again', async () => {
        try {
          await t.publish([message(topic, 3)], { guarantee: 'at-least-once' });
          return true;
        } catch {
          return false; // the consumer has not re-declared its queue yet: unroutable
        }
      });
      await t.close();
    });

    it('a delivery of a dead channel is not acked on the new one: the broker redelivers it', async () => {
      const topic = unique('stale');
      const t = transport({ url, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
      await t.connect();
      const got: Delivery[] = [];
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      await t.subscribe(subscribeOptions(topic), async (d) => {
        got.push(d);
        if (got.length > 1) await d.ack();
        else await released; // the first handler is still running when its channel dies
      });
      await t.publish([message(topic, 'once')], { guarantee: 'at-least-once' });
      await waitFor('first delivery', () => got.length === 1);
      await rabbitmqctl('close_all_connections', '-p', vhost, 'test');
      await waitFor('redelivery on the new channel', () => got.length === 2);
      await got[0].ack(); // stale tag: skipped, must not close the new channel
      expect(got[1].message.id).toBe(got[0].message.id);
      expect(got[1].coordinates['amqp-redelivered']).toBe('true');
      await t.publish([message(topic, 'after')], { guarantee: 'at-least-once' });
      await waitFor('the consumer still works', () => got.length === 3);
      release();
      await t.close();
    });
  });
});
