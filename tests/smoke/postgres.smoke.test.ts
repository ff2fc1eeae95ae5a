// Raw pg round trip against PostgreSQL: temp table, insert, select.
import { Client } from 'pg';
import { PG_URL } from './env';

describe('PostgreSQL smoke (raw pg)', () => {
  const client = new Client({ connectionString: PG_URL });

  afterAll(async () => {
    await client.end();
  });

  it('creates a temp table, inserts and selects', async () => {
    await client.connect();
    // A temporary table is private to this session: parallel runs cannot collide.
    await client.query('CREATE TEMP TABLE polybus_smoke (id serial PRIMARY KEY, body jsonb NOT NULL)');
    const inserted = await client.query<{ id: number }>(
      'INSERT INTO polybus_smoke (body) VALUES ($1), ($2) RETURNING id',
      [{ n: 1 }, { n: 2 }],
    );
    expect(inserted.rowCount).toBe(2);

    const res = await client.query<{ id: number; body: { n: number } }>(
      'SELECT id, body FROM polybus_smoke ORDER BY id',
    );
    expect(res.rows.map((r) => r.body)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(res.rows.map((r) => r.id)).toEqual(inserted.rows.map((r) => r.id));
  });
});
