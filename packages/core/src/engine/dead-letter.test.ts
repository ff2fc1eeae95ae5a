import { DecodeError } from '../errors/decode-error';
import { MaxAttemptsError } from '../errors/max-attempts-error';
import { PermanentError } from '../errors/permanent-error';
import { Headers } from '../headers';
import { payloadBuffer } from '../message';
import { messageBytes } from '../kit/fit-within';
import { deadLetter } from './dead-letter';
import { fakeDelivery, fakeTransport, processing, runtime } from './test-support';

describe('deadLetter', () => {
  it('publishes the original with the envelope, then acks', async () => {
    const transport = fakeTransport();
    const d = fakeDelivery({ amount: -1 }, 1, { 'x-tenant': 'acme' });
    const p = processing(d);
    p.attempt = 3;
    await deadLetter(runtime({}, undefined, transport))(async () => {
      throw new MaxAttemptsError(3, { cause: new Error('db down') });
    })(p);
    expect(transport.published).toHaveLength(1);
    const dead = transport.published[0];
    expect(dead.topic).toBe('t.dlq');
    expect(dead.id).toBe(d.message.id);
    expect(dead.key).toBe('k');
    expect(payloadBuffer(dead.payload).equals(payloadBuffer(d.message.payload))).toBe(true);
    expect(dead.headers).toMatchObject({
      'x-tenant': 'acme',
      [Headers.id]: d.message.id,
      [Headers.dlqReason]: 'max-attempts',
      [Headers.dlqError]: 'Error: db down',
      [Headers.dlqSource]: 't',
      [Headers.dlqGroup]: 'g',
      [Headers.dlqAttempts]: '3',
      'polybus-dlq-fake-offset': '42',
    });
    expect(d.settlements).toEqual([{ kind: 'ack' }]);
    expect(p.settled).toBe(true);
  });

  it.each([
    [new PermanentError('x'), 'permanent-error'],
    [new DecodeError('x'), 'decode-error'],
    [new Error('x'), 'handler-error'],
  ])('names the reason for %p', async (error, reason) => {
    const transport = fakeTransport();
    await deadLetter(runtime({}, undefined, transport))(async () => {
      throw error;
    })(processing());
    expect(transport.published[0].headers[Headers.dlqReason]).toBe(reason);
  });

  it("cuts a copy over the transport's maxMessageBytes to fit, saying how large the payload was", async () => {
    const transport = fakeTransport({ maxMessageBytes: 600 });
    const d = fakeDelivery({ blob: 'z'.repeat(2_000) });
    await deadLetter(runtime({}, undefined, transport))(async () => {
      throw new PermanentError('x');
    })(processing(d));
    const [dead] = transport.published;
    expect(dead.headers[Headers.dlqTruncated]).toBe(String(payloadBuffer(d.message.payload).length));
    expect(messageBytes(dead)).toBeLessThanOrEqual(600);
    const prefix = payloadBuffer(dead.payload);
    expect(prefix.length).toBeGreaterThan(0);
    expect(payloadBuffer(d.message.payload).subarray(0, prefix.length).equals(prefix)).toBe(true);
    expect(d.settlements).toEqual([{ kind: 'ack' }]);
  });

  it('uses the delivery’s own deadLetter when the transport offers one', async () => {
    const transport = fakeTransport();
    const d = fakeDelivery();
    const moved: Array<[string, Record<string, string>]> = [];
    const withNative = {
      ...d,
      deadLetter: async (topic: string, headers: Record<string, string>) => void moved.push([topic, headers]),
    };
    await deadLetter(runtime({ deadLetter: 'parking' }, undefined, transport))(async () => {
      throw new PermanentError('x');
    })(processing(withNative));
    expect(transport.published).toEqual([]);
    expect(moved[0][0]).toBe('parking');
    expect(moved[0][1][Headers.dlqReason]).toBe('permanent-error');
  });

  it('with deadLetter: false drops, counts and acks', async () => {
    const transport = fakeTransport();
    const d = fakeDelivery();
    const rt = runtime({ deadLetter: false }, undefined, transport);
    await deadLetter(rt)(async () => {
      throw new PermanentError('x');
    })(processing(d));
    expect(transport.published).toEqual([]);
    expect(rt.counters.dropped).toBe(1);
    expect(d.settlements).toEqual([{ kind: 'ack' }]);
  });

  it('propagates when the dead letter cannot be written, leaving the delivery unsettled', async () => {
    const transport = { ...fakeTransport(), publish: async () => Promise.reject(new Error('broker down')) };
    const d = fakeDelivery();
    const p = processing(d);
    await expect(
      deadLetter(runtime({}, undefined, transport))(async () => {
        throw new PermanentError('x');
      })(p),
    ).rejects.toThrow('broker down');
    expect(p.settled).toBe(false);
    expect(d.settlements).toEqual([]);
  });

  it('bounds the error text', async () => {
    const transport = fakeTransport();
    await deadLetter(runtime({}, undefined, transport))(async () => {
      throw new PermanentError('e'.repeat(5000));
    })(processing());
    expect(transport.published[0].headers[Headers.dlqError].length).toBeLessThanOrEqual(1000);
  });
});
