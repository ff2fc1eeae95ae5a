import { check, type LedgerEvent } from '@polybus/verify';

// A SIGKILLed publisher leaves `publish-attempted` lines without an outcome: the broker may or
// may not have the message. The checker must neither call it lost nor, when it arrives,
// unexpected; and a message the killed publisher saw acknowledged is still lost if it never comes.
let at = 0;
const attempted = (id: string, seq: number, copy = 0): LedgerEvent => ({
  type: 'publish-attempted',
  id,
  key: 'k',
  seq,
  copy,
  at: ++at,
});
const acked = (id: string, seq: number, copy = 0): LedgerEvent => ({
  type: 'publish-acked',
  id,
  key: 'k',
  seq,
  copy,
  at: ++at,
});
const processed = (id: string, seq: number): LedgerEvent => ({
  type: 'processed',
  id,
  key: 'k',
  seq,
  consumer: 'consumer-0.0',
  at: ++at,
});
const kill = (publisher: string): LedgerEvent[] => [
  { type: 'fault-started', fault: 'kill-publisher', n: 0, publisher, at: ++at },
  { type: 'fault-ended', fault: 'kill-publisher', n: 0, publisher: 'publisher-0.1', at: ++at },
];
const spec = { guarantee: 'at-least-once', perKeyOrdering: true } as const;

describe('check: a publisher SIGKILLed mid-publish', () => {
  it('does not call the unacknowledged in-flight publish lost', () => {
    const events = [
      attempted('m0', 0),
      acked('m0', 0),
      attempted('m1', 1),
      ...kill('publisher-0.0'),
      processed('m0', 0),
    ];
    const result = check(events, spec);
    expect(result.lost).toEqual([]);
    expect(result.counts).toMatchObject({
      published: 2,
      acknowledged: 1,
      rejected: 1,
      unconfirmedPublishes: 1,
    });
    expect(result.ok).toBe(true);
    expect(result.faults).toMatchObject([{ fault: 'kill-publisher', publisher: 'publisher-0.0' }]);
  });

  it('counts an in-flight publish that landed as recovered, not unexpected', () => {
    const events = [attempted('m0', 0), ...kill('publisher-0.0'), processed('m0', 0)];
    const result = check(events, spec);
    expect(result.unexpected).toEqual([]);
    expect(result.recovered).toEqual(['m0']);
    expect(result.ok).toBe(true);
  });

  it('still catches a real loss: acknowledged before the kill, never processed', () => {
    const events = [
      attempted('m0', 0),
      acked('m0', 0),
      attempted('m1', 1),
      acked('m1', 1),
      ...kill('publisher-0.0'),
      processed('m0', 0),
    ];
    const result = check(events, spec);
    expect(result.lost).toEqual(['m1']);
    expect(result.ok).toBe(false);
    expect(result.rules.find((r) => r.rule === 'lost = 0')).toMatchObject({ holds: false, observed: 1 });
  });

  it('counts the in-flight attempt towards what at-most-once allows, and the restart catches up', () => {
    // The killed attempt landed and the replacement published m1 again: two processings, two attempts.
    const events = [
      attempted('m1', 1),
      ...kill('publisher-0.0'),
      attempted('m1', 1),
      acked('m1', 1),
      processed('m1', 1),
      processed('m1', 1),
    ];
    expect(check(events, { ...spec, guarantee: 'at-most-once' })).toMatchObject({
      ok: true,
      counts: { publishAttempts: 2, unconfirmedPublishes: 1, acknowledged: 1 },
    });
    // Exactly-once collapses both into one effect: the second is a duplicate.
    expect(check(events, { ...spec, guarantee: 'exactly-once' }).duplicated).toMatchObject([
      { id: 'm1', times: 2 },
    ]);
  });
});
