import type { ConsumeMessage } from 'amqplib';
import type { Delivery } from '@polybus/core/transport';
import { ConsumerChannel } from '../src/consumer-channel';
import {
  bodyOf,
  getOne,
  message,
  rawConnection,
  subscribeOptions,
  transport,
  unique,
  waitFor,
} from './helpers';

describe('rabbitmq batched acks', () => {
  it('acks of later messages never cover an earlier one still in its handler', async () => {
    const topic = unique('acks');
    const t = transport();
    await t.connect();
    const acked: number[] = [];
    let held: Delivery | undefined;
    await t.subscribe(subscribeOptions(topic, { concurrency: 4 }), async (d) => {
      if (bodyOf(d) === 1) {
        held = d; // never settled: its handler is still running when the transport closes
        await new Promise(() => undefined);
      }
      await d.ack();
      acked.push(bodyOf(d) as number);
    });
    await t.publish(
      [1, 2, 3, 4].map((n) => message(topic, n)),
      { guarantee: 'at-least-once' },
    );
    await waitFor('three acks and one held delivery', () => acked.length === 3 && held !== undefined);
    await new Promise((resolve) => setImmediate(resolve)); // the batched acks go out
    await t.close();

    const raw = await rawConnection();
    const ch = await raw.createChannel();
    const back = await getOne(ch, `${topic}.g`);
    expect(JSON.parse(back.content.toString())).toBe(1);
    expect(back.fields.redelivered).toBe(true);
    expect((await ch.checkQueue(`${topic}.g`)).messageCount).toBe(0);
    await ch.deleteQueue(`${topic}.g`);
    await raw.close();
  });

  it('acks still recorded when the channel closes are sent before it closes', async () => {
    const queue = unique('acks-close');
    const raw = await rawConnection();
    const setup = await raw.createChannel();
    await setup.assertQueue(queue, { durable: true });
    for (let n = 0; n < 10; n++) setup.sendToQueue(queue, Buffer.from(String(n)));
    const channel = new ConsumerChannel(await raw.createChannel());
    const got: ConsumeMessage[] = [];
    await channel.channel.consume(queue, (msg) => msg && got.push(msg));
    await waitFor('ten deliveries', () => got.length === 10);
    for (const msg of got) channel.received(msg);
    for (const msg of got) channel.ack(msg);
    await channel.close(); // in the same turn: the batch has not gone out by itself

    expect((await setup.checkQueue(queue)).messageCount).toBe(0);
    expect(await setup.get(queue)).toBe(false);
    await setup.deleteQueue(queue);
    await raw.close();
  });
});
