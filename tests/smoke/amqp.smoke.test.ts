// Raw amqplib round trip against RabbitMQ: declare a queue, publish with confirms, get it back.
import * as amqp from 'amqplib';
import { AMQP_URL, uniqueName } from './env';

describe('AMQP smoke (raw amqplib on RabbitMQ)', () => {
  const queue = uniqueName('polybus-smoke');
  let conn: amqp.ChannelModel | undefined;
  let ch: amqp.ConfirmChannel | undefined;

  afterAll(async () => {
    if (ch) await ch.deleteQueue(queue).catch(() => undefined);
    await ch?.close().catch(() => undefined);
    await conn?.close();
  });

  it('declares a queue, publishes and gets the message', async () => {
    conn = await amqp.connect(AMQP_URL);
    ch = await conn.createConfirmChannel();
    const declared = await ch.assertQueue(queue, { durable: false, autoDelete: false });
    expect(declared.queue).toBe(queue);

    const body = `hello ${queue}`;
    ch.sendToQueue(queue, Buffer.from(body), { messageId: 'm-1', headers: { kind: 'smoke' } });
    await ch.waitForConfirms(); // the broker has the message

    const got = await ch.get(queue, { noAck: false });
    expect(got).not.toBe(false);
    if (got === false) return;
    expect(got.content.toString()).toBe(body);
    expect(got.properties.messageId).toBe('m-1');
    expect(got.properties.headers?.kind).toBe('smoke');
    ch.ack(got);

    const after = await ch.checkQueue(queue);
    expect(after.messageCount).toBe(0);
  });
});
