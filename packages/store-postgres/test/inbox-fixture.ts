import type { Bus } from '@polybus/core';
import { postgresInbox } from '@polybus/store-postgres';
import { createEffects, testDatabase } from './pg-helpers';

/**
 * What the exactly-once tests share: a database with its own tables, a migrated inbox, the effects
 * table, and the buses a test starts (stopped after each test). Registers the Jest hooks itself, so
 * call it at the top of a test file.
 */
export function inboxFixture(options: { poolSize?: number; stopTimeoutMs: number }) {
  const db = testDatabase(options.poolSize);
  const inbox = postgresInbox({ pool: db.pool, prefix: db.prefix });
  const buses: Bus[] = [];
  let effects = '';
  beforeAll(async () => {
    await inbox.migrate();
    effects = await createEffects(db.pool, db.prefix);
  });
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.stop({ timeoutMs: options.stopTimeoutMs })));
  });
  afterAll(() => db.drop());
  return {
    db,
    inbox,
    buses,
    /** The effects table's quoted name, once `beforeAll` has created it. */
    get effects(): string {
      return effects;
    },
  };
}
