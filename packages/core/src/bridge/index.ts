// `@polybus/core/bridge`: forwarding topics from one broker to another during a migration
// (docs/migration.md). Kept out of the user API's barrel: few applications need it.
export { bridge, type Bridge, type BridgeOptions, type BridgeStats } from './bridge';
