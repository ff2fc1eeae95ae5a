import type { Message } from '../message';
import type { Policy } from './processing';
import type { BindingRuntime } from './runtime';

/**
 * Decodes the payload once per delivery with the binding's codec. A payload the codec cannot read
 * throws `DecodeError`, which the dead-letter policy sends on with reason `decode-error`, so one
 * bad message never stops the consumer.
 */
export function decode(rt: BindingRuntime): Policy {
  const codec = rt.binding.codec;
  return (next) => (p) => {
    if (p.message === undefined) {
      const m = p.delivery.message;
      let body: unknown;
      try {
        body = codec.decode(m.payload, m.headers);
      } catch (error) {
        return Promise.reject(error);
      }
      const message: Message = {
        id: m.id,
        topic: m.topic,
        key: m.key,
        headers: m.headers,
        body,
        timestamp: m.timestamp,
      };
      p.message = message;
    }
    return next(p);
  };
}
