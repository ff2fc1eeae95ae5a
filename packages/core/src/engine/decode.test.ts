import { DecodeError } from '../errors/decode-error';
import { decode } from './decode';
import { fakeDelivery, processing, runtime } from './test-support';

describe('decode', () => {
  it('decodes the payload into the message once', async () => {
    const d = fakeDelivery({ a: 1 });
    const p = processing(d);
    await decode(runtime())(async () => undefined)(p);
    expect(p.message).toMatchObject({ id: d.message.id, topic: 't', key: 'k', body: { a: 1 } });
  });

  it('throws DecodeError for a payload that is not JSON, without calling next', async () => {
    const d = fakeDelivery();
    const bad = { ...d, message: { ...d.message, headers: {}, payload: Buffer.from('nope{') } };
    let called = false;
    const error = await decode(runtime())(async () => void (called = true))(processing(bad)).catch(
      (e: unknown) => e,
    );
    expect(DecodeError.is(error)).toBe(true);
    expect(called).toBe(false);
  });
});
