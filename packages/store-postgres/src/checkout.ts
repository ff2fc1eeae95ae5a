import type { Pool, PoolClient } from 'pg';

/**
 * Checks a client out for `use` and gives it back. A connection that dies while checked out
 * emits 'error' on the client, which would crash the process without a listener; here it marks
 * the client broken so the pool discards it instead of reusing it. `use` sees the failure as a
 * rejected query.
 */
export async function withClient<T>(pool: Pool, use: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error): void => {
    broken = error;
  };
  client.on('error', onError);
  try {
    return await use(client);
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken ??= rollbackError));
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}
