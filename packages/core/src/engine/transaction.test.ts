import type { DeliveryTransaction } from '../transport';
import { transaction } from './transaction';
import { fakeDelivery, processing } from './test-support';

function transactional() {
  const log: string[] = [];
  const tx: DeliveryTransaction = {
    publish: async (m) => void log.push(`publish ${m.length}`),
    commit: async () => void log.push('commit'),
    abort: async () => void log.push('abort'),
  };
  return { log, delivery: { ...fakeDelivery(), transaction: () => tx } };
}

describe('transaction', () => {
  it('commits after the handler and marks the delivery settled', async () => {
    const { log, delivery } = transactional();
    const p = processing(delivery);
    await transaction(async (q) => {
      await q.tx!.publish([]);
    })(p);
    expect(log).toEqual(['publish 0', 'commit']);
    expect(p.settled).toBe(true);
    expect(p.tx).toBeUndefined();
  });

  it('aborts when the handler fails and leaves the delivery unsettled', async () => {
    const { log, delivery } = transactional();
    const p = processing(delivery);
    await expect(transaction(async () => Promise.reject(new Error('x')))(p)).rejects.toThrow('x');
    expect(log).toEqual(['abort']);
    expect(p.settled).toBe(false);
  });
});
