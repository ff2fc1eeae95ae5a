import { ackTiming } from './ack-timing';
import { fakeDelivery, processing, runtime } from './test-support';

describe('ackTiming', () => {
  it('at-least-once acks only after the chain succeeded', async () => {
    const d = fakeDelivery();
    const order: string[] = [];
    const step = ackTiming(runtime())(async () => {
      order.push(`handler saw ${d.settlements.length} settlements`);
    });
    await step(processing(d));
    expect(order).toEqual(['handler saw 0 settlements']);
    expect(d.settlements).toEqual([{ kind: 'ack' }]);
  });

  it('at-least-once does not ack a failed chain', async () => {
    const d = fakeDelivery();
    const step = ackTiming(runtime())(async () => {
      throw new Error('x');
    });
    await expect(step(processing(d))).rejects.toThrow('x');
    expect(d.settlements).toEqual([]);
  });

  it('does not ack twice when something inside settled the delivery', async () => {
    const d = fakeDelivery();
    const step = ackTiming(runtime())(async (p) => {
      await p.delivery.nack();
      p.settled = true;
    });
    await step(processing(d));
    expect(d.settlements).toEqual([{ kind: 'nack' }]);
  });

  it('at-most-once acks before the handler runs', async () => {
    const d = fakeDelivery();
    let seen = -1;
    const step = ackTiming(runtime({ guarantee: 'at-most-once' }))(async () => {
      seen = d.settlements.length;
      throw new Error('after the ack');
    });
    await expect(step(processing(d))).rejects.toThrow('after the ack');
    expect(seen).toBe(1);
    expect(d.settlements).toEqual([{ kind: 'ack' }]);
  });
});
