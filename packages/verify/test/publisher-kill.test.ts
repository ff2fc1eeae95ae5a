import { check, readLedgerDir, runWorkload, type PublishAckedEvent } from '@polybus/verify';

// A publisher SIGKILLed while a publish is in flight (the runner aims at one: the last line of
// its ledger is `publish-attempted`), restarted, resuming after what it saw acknowledged. Real
// broker: Redis Streams, with a consumer kill as well.
const REDIS = process.env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('kill-publisher on Redis Streams (ci profile)', () => {
  jest.setTimeout(120_000);

  it('loses nothing, and calls no in-flight publish lost or unexpected', async () => {
    const result = await runWorkload(
      {
        url: `${REDIS}?claimIdleMs=2000`,
        faults: ['kill-publisher', 'kill-consumer'],
        publisherKills: 2,
        seed: 5,
      },
      'ci',
    );
    expect(result.settled).toBe(true);
    const kills = result.faults.filter((f) => f.fault === 'kill-publisher');
    expect(kills).toHaveLength(2);
    for (const f of kills) expect(f.publishRecoveryMs).toBeDefined(); // the replacement published
    // The kill was aimed at a publish in flight; at least one of the two caught one.
    expect(result.counts.unconfirmedPublishes).toBeGreaterThan(0);
    // The replacements published the rest: every message acknowledged, none lost or unexpected.
    expect(result.counts.acknowledged).toBe(300);
    expect(result.lost).toEqual([]);
    expect(result.unexpected).toEqual([]);
    expect(result.ok).toBe(true);

    // Drop the one processing of an id acknowledged before the first kill: the checker must call
    // that id lost, publisher kills or not.
    const { events } = readLedgerDir(result.dir);
    const victim = kills[0].publisher;
    const processings = (id: string) => events.filter((x) => x.type === 'processed' && x.id === id).length;
    const onlyOnce = events.find(
      (e): e is PublishAckedEvent =>
        e.type === 'publish-acked' &&
        e.at < kills[0].startedAt &&
        processings(e.id) === 1 &&
        !events.some((x) => x.type === 'dead-lettered' && x.id === e.id),
    );
    expect(onlyOnce).toBeDefined();
    const broken = events.filter((e) => !(e.type === 'processed' && e.id === onlyOnce!.id));
    expect(check(broken, result.spec).lost).toEqual([onlyOnce!.id]);
    expect(victim).toMatch(/^publisher-\d\.\d$/);
  });
});
