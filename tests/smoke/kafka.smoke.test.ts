// Raw kafkajs round trip against the real broker: create a topic, produce, consume it back.
import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type Producer } from 'kafkajs';
import { KAFKA_BROKERS, uniqueName } from './env';

describe('Kafka smoke (raw kafkajs)', () => {
  const kafka = new Kafka({ clientId: 'polybus-smoke', brokers: KAFKA_BROKERS, logLevel: logLevel.WARN });
  const topic = uniqueName('polybus-smoke');
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    if (admin) {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('produces with an idempotent producer and consumes the same record', async () => {
    producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const value = `hello ${topic}`;
    const [sent] = await producer.send({
      topic,
      acks: -1,
      messages: [{ key: 'k1', value, headers: { h: 'v' } }],
    });
    expect(sent.errorCode).toBe(0);

    consumer = kafka.consumer({ groupId: uniqueName('polybus-smoke-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<{ key?: string; value?: string; header?: string }>(
      (resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ message }) => {
              resolve({
                key: message.key?.toString(),
                value: message.value?.toString(),
                header: message.headers?.h?.toString(),
              });
            },
          })
          .catch(reject);
      },
    );
    expect(received).toEqual({ key: 'k1', value, header: 'v' });

    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0].partitions).toHaveLength(1);
  });
});
