import type { Guarantee } from '@polybus/core';
import { check, parseLedger, type LedgerEvent } from '@polybus/verify';

/** A tiny history builder: a clock that ticks once per event keeps the merge order explicit. */
function history() {
  const events: LedgerEvent[] = [];
  let at = 0;
  const seqs = new Map<string, number>();
  const api = {
    events,
    acked(id: string, key = 'k', copy = 0, retry = false) {
      const seq = copy > 0 || retry ? seqs.get(id)! : nextSeq(key);
      seqs.set(id, seq);
      events.push({ type: 'publish-acked', id, key, seq, copy, at: ++at });
      return api;
    },
    /** A rejected attempt; a later `acked(id, key, 0, true)`/`rejected(id, key, true)` retries it. */
    rejected(id: string, key = 'k', retry = false) {
      const seq = retry ? seqs.get(id)! : nextSeq(key);
      seqs.set(id, seq);
      events.push({ type: 'publish-rejected', id, key, seq, copy: 0, error: 'boom', at: ++at });
      return api;
    },
    processed(id: string, consumer = 'c0', key = 'k') {
      events.push({ type: 'processed', id, key, seq: seqs.get(id) ?? -1, consumer, at: ++at });
      return api;
    },
    deadLettered(id: string) {
      events.push({ type: 'dead-lettered', id, reason: 'permanent-error', at: ++at });
      return api;
    },
    killed(consumer: string) {
      events.push({ type: 'consumer-killed', consumer, at: ++at });
      return api;
    },
    fault(fault: 'cut' | 'stall', n: number, phase: 'started' | 'ended', after = 1) {
      at += after;
      events.push({ type: `fault-${phase}`, fault, n, at });
      return api;
    },
    wait(ms: number) {
      at += ms;
      return api;
    },
  };
  const keyCounts = new Map<string, number>();
  function nextSeq(key: string): number {
    const seq = keyCounts.get(key) ?? 0;
    keyCounts.set(key, seq + 1);
    return seq;
  }
  return api;
}

const clean = () =>
  history()
    .acked('a')
    .acked('b')
    .acked('c')
    .acked('d')
    .processed('a')
    .processed('b')
    .processed('c')
    .deadLettered('d');

const run = (events: LedgerEvent[], guarantee: Guarantee, perKeyOrdering = true) =>
  check(events, { guarantee, perKeyOrdering });

describe('check', () => {
  it.each<Guarantee>(['at-most-once', 'at-least-once', 'exactly-once'])('passes a clean ledger (%s)', (g) => {
    const result = run(clean().events, g);
    expect(result.ok).toBe(true);
    expect(result.counts).toMatchObject({
      published: 4,
      acknowledged: 4,
      processed: 3,
      deadLettered: 1,
      lost: 0,
      duplicated: 0,
      unexpected: 0,
      reordered: 0,
    });
  });

  it('catches a drop: acked, never processed nor dead-lettered', () => {
    const h = history().acked('a').acked('b').processed('a');
    const result = run(h.events, 'at-least-once');
    expect(result.lost).toEqual(['b']);
    expect(result.ok).toBe(false);
    expect(result.rules.find((r) => r.rule === 'lost = 0')).toMatchObject({ holds: false, observed: 1 });
    // At-most-once may lose.
    expect(run(h.events, 'at-most-once').ok).toBe(true);
    expect(run(h.events, 'exactly-once').ok).toBe(false);
  });

  it('catches a duplicate: allowed for at-least-once, a failure otherwise', () => {
    const h = history().acked('a').acked('b').processed('a').processed('b').processed('a', 'c1');
    const atLeastOnce = run(h.events, 'at-least-once');
    expect(atLeastOnce.ok).toBe(true);
    expect(atLeastOnce.duplicated).toEqual([{ id: 'a', times: 2, limit: 1, inCrashWindow: false }]);
    for (const g of ['exactly-once', 'at-most-once'] as const) {
      const result = run(h.events, g);
      expect(result.ok).toBe(false);
      expect(result.duplicated.map((d) => d.id)).toEqual(['a']);
      expect(result.rules.find((r) => r.rule === 'duplicated = 0')?.holds).toBe(false);
    }
  });

  it('lets each publish be processed once, but exactly-once collapses an idempotency key', () => {
    const h = history().acked('a').acked('a', 'k', 1).processed('a').processed('a');
    expect(run(h.events, 'at-most-once').ok).toBe(true);
    expect(run(h.events, 'exactly-once').duplicated).toEqual([
      { id: 'a', times: 2, limit: 1, inCrashWindow: false },
    ]);
  });

  it('catches an unexpected message: processed but never published', () => {
    const h = history().acked('a').processed('a').processed('ghost');
    for (const g of ['at-most-once', 'at-least-once', 'exactly-once'] as const) {
      const result = run(h.events, g);
      expect(result.unexpected).toEqual(['ghost']);
      expect(result.ok).toBe(false);
    }
  });

  it('catches a reorder within a key when per-key ordering was asked', () => {
    const h = history()
      .acked('a1', 'a')
      .acked('a2', 'a')
      .acked('a3', 'a')
      .acked('b1', 'b')
      .processed('a1', 'c0', 'a')
      .processed('a3', 'c0', 'a')
      .processed('b1', 'c1', 'b')
      .processed('a2', 'c1', 'a');
    const result = run(h.events, 'at-least-once');
    expect(result.reordered).toEqual([{ id: 'a2', key: 'a', seq: 1, afterSeq: 2 }]);
    expect(result.ok).toBe(false);
    expect(run(h.events, 'at-least-once', false)).toMatchObject({ ok: true, counts: { reordered: 1 } });
  });

  it('does not take an in-order redelivery for a reorder', () => {
    const h = history().acked('a').acked('b').processed('a').processed('b').processed('a').processed('b');
    expect(run(h.events, 'at-least-once')).toMatchObject({
      ok: true,
      counts: { reordered: 0, duplicated: 2 },
    });
  });

  it('counts a rejected publish that was processed as recovered, not unexpected', () => {
    const h = history().rejected('a').acked('b').processed('a').processed('b');
    const result = run(h.events, 'exactly-once');
    expect(result).toMatchObject({ ok: true, recovered: ['a'], unexpected: [], lost: [] });
    expect(result.counts).toMatchObject({ published: 2, acknowledged: 1, rejected: 1 });
  });

  it('sets apart a duplicate in the crash window of the consumer that was killed', () => {
    const h = history()
      .acked('a')
      .acked('b')
      .processed('a', 'c0')
      .killed('c0')
      .processed('a', 'c1')
      .processed('b', 'c1');
    const strict = check(h.events, { guarantee: 'exactly-once', perKeyOrdering: false });
    expect(strict.ok).toBe(false);
    const excused = check(h.events, { guarantee: 'exactly-once', perKeyOrdering: false, crashWindowMs: 5 });
    expect(excused.ok).toBe(true);
    expect(excused.duplicated).toEqual([{ id: 'a', times: 2, limit: 1, inCrashWindow: true }]);
    expect(excused.rules.find((r) => r.rule === 'duplicated = 0')?.note).toMatch(/crash window/);
    expect(excused.counts.consumerKills).toBe(1);
  });
});

describe('check: publishes retried after a rejection', () => {
  it('judges an id acknowledged after rejected attempts as acknowledged', () => {
    // a: rejected twice, then acked, never processed: lost. b: rejected, acked, processed: fine.
    const h = history()
      .rejected('a')
      .rejected('a', 'k', true)
      .acked('a', 'k', 0, true)
      .rejected('b')
      .acked('b', 'k', 0, true)
      .processed('b');
    const result = run(h.events, 'at-least-once');
    expect(result.lost).toEqual(['a']);
    expect(result.recovered).toEqual([]);
    expect(result.counts).toMatchObject({
      published: 2,
      acknowledged: 2,
      rejected: 0,
      publishRejections: 3,
      ackedAfterRejection: 2,
      publishAttempts: 5,
    });
  });

  it('allows the landed rejected attempt to be processed too, except under exactly-once', () => {
    // The rejected attempt reached the broker after all (a timeout during a stall): two copies.
    const h = history().rejected('a').acked('a', 'k', 0, true).processed('a').processed('a', 'c1');
    expect(run(h.events, 'at-least-once').ok).toBe(true);
    // Each attempt may be processed once at most once: two attempts, two processings.
    expect(run(h.events, 'at-most-once').ok).toBe(true);
    expect(run(h.events, 'exactly-once').duplicated).toEqual([
      { id: 'a', times: 2, limit: 1, inCrashWindow: false },
    ]);
  });

  it('does not take a retry for a reorder', () => {
    const h = history()
      .acked('a')
      .rejected('b')
      .acked('b', 'k', 0, true)
      .acked('c')
      .processed('a')
      .processed('b')
      .processed('c');
    expect(run(h.events, 'at-least-once')).toMatchObject({ ok: true, counts: { reordered: 0 } });
  });
});

describe('check: recovery after faults', () => {
  it('measures from the end of each fault to the next processing and the next acknowledged publish', () => {
    const h = history()
      .acked('a')
      .processed('a', 'c0')
      .processed('a', 'c1')
      .fault('cut', 0, 'started')
      .rejected('b')
      .rejected('b', 'k', true)
      .fault('cut', 0, 'ended', 10)
      .wait(4)
      .acked('b', 'k', 0, true)
      .wait(2)
      .processed('b', 'c0')
      .fault('stall', 1, 'started')
      .fault('stall', 1, 'ended', 5);
    const { faults, counts } = run(h.events, 'at-least-once');
    expect(counts.faults).toBe(2);
    expect(faults[0]).toMatchObject({
      fault: 'cut',
      n: 0,
      durationMs: 12,
      recoveryMs: 8,
      publishRecoveryMs: 5,
      rejectedPublishes: 2,
      // c1 worked before the cut and never after it.
      silentConsumers: ['c1'],
    });
    // Nothing followed the stall: no recovery seen.
    expect(faults[1]).toMatchObject({ fault: 'stall', durationMs: 5, rejectedPublishes: 0 });
    expect(faults[1].recoveryMs).toBeUndefined();
  });

  it('lists the consumers that were not healthy at the end', () => {
    const events: LedgerEvent[] = [
      ...clean().events,
      { type: 'consumer-health', consumer: 'c0', ok: true, at: 100 },
      { type: 'consumer-health', consumer: 'c1', ok: false, detail: '{"ok":false}', at: 101 },
    ];
    expect(run(events, 'at-least-once').unhealthy).toEqual([{ consumer: 'c1', detail: '{"ok":false}' }]);
  });
});

describe('parseLedger', () => {
  it('reads JSON lines and counts a torn last line instead of failing', () => {
    const text = clean()
      .events.map((e) => JSON.stringify(e))
      .join('\n');
    const parsed = parseLedger(`${text}\n{"type":"processed","id":"x`);
    expect(parsed.events).toHaveLength(8);
    expect(parsed.badLines).toBe(1);
  });
});
