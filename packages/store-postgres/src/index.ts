export { postgresInbox, type PostgresInbox, type PostgresInboxOptions } from './postgres-inbox';
export { postgresOutbox, type PostgresOutbox, type PostgresOutboxOptions } from './postgres-outbox';
export type { OutboxRelay, RelayOptions, RelayStats, RelayTarget } from './outbox-relay';
export type { Queryable } from './outbox-rows';
export type { TableOptions, Tables } from './tables';
export { inboxClient } from './inbox-client';
