import { MAX_QUEUE_NAME, queueNameFor } from './queue-name';

describe('queueNameFor', () => {
  it.each([
    ['orders.created', 'orders-created', false],
    ['orders.created.dlq', 'orders-created-dlq', false],
    ['orders.created.fifo', 'orders-created.fifo', true],
    ['orders.fifo.dlq', 'orders-dlq.fifo', true],
    ['orders.dlq.fifo', 'orders-dlq.fifo', true],
    ['billing/invoice:paid', 'billing_invoice_paid', false],
    ['émoji🚀', '_moji_', false],
    ['Already_valid-name', 'Already_valid-name', false],
  ])('%s -> %s', (topic, name, fifo) => {
    expect(queueNameFor(topic)).toEqual({ name, fifo });
  });

  it('makes every queue FIFO in always mode', () => {
    expect(queueNameFor('orders.created', 'always')).toEqual({ name: 'orders-created.fifo', fifo: true });
    expect(queueNameFor('orders.created.dlq', 'always')).toEqual({
      name: 'orders-created-dlq.fifo',
      fifo: true,
    });
    expect(queueNameFor('orders.fifo', 'always')).toEqual({ name: 'orders.fifo', fifo: true });
  });

  it('cuts long names to 80 characters with a hash that keeps distinct topics apart', () => {
    const a = queueNameFor(`${'x'.repeat(100)}.a`);
    const b = queueNameFor(`${'x'.repeat(100)}.b`);
    expect(a.name).toHaveLength(MAX_QUEUE_NAME);
    expect(a.name).not.toEqual(b.name);
    expect(a.name).toMatch(/^x+-[0-9a-f]{8}$/);
    const fifo = queueNameFor(`${'y'.repeat(100)}.fifo`);
    expect(fifo.name).toHaveLength(MAX_QUEUE_NAME);
    expect(fifo.name.endsWith('.fifo')).toBe(true);
  });

  it('is deterministic and always valid', () => {
    for (const topic of ['a', '.', 'a..b', '-_-', 'ü'.repeat(200), 'x.fifo.dlq'.repeat(20)]) {
      const { name } = queueNameFor(topic);
      expect(queueNameFor(topic).name).toBe(name);
      expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/);
      expect(name.length).toBeLessThanOrEqual(MAX_QUEUE_NAME);
    }
  });
});
