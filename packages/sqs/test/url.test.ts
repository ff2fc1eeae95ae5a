import { createBus, silentLogger } from '@polybus/core';
import { createSpy } from '@polybus/core/testing';

const endpoint = new URL(process.env.POLYBUS_SQS_ENDPOINT ?? 'http://127.0.0.1:9324');

describe('sqs:// URL against a local emulator', () => {
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  beforeAll(() => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
  });
  afterAll(() => {
    if (saved.id !== undefined) process.env.AWS_ACCESS_KEY_ID = saved.id;
    if (saved.secret !== undefined) process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
  });

  it('works on a loopback endpoint with no credentials configured anywhere', async () => {
    const url = `sqs://${endpoint.host}?region=us-east-1&waitTimeSeconds=1`;
    const topic = `url.nocreds.${Math.random().toString(36).slice(2, 8)}`;
    const bus = createBus({ url, logger: silentLogger });
    const spy = createSpy();
    bus.bind(topic, spy.handler, { group: 'g' });
    await bus.start();
    try {
      const sent = await bus.publish(topic, { hello: 'emulator' });
      const got = await spy.waitFor({ id: sent.id }, { timeoutMs: 20_000 });
      expect(got.body).toEqual({ hello: 'emulator' });
    } finally {
      await bus.stop();
    }
  });
});
