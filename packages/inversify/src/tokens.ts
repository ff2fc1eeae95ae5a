/**
 * Service identifiers the Polybus module binds. `Symbol.for` keeps them equal across two installed
 * copies of this package, so a library and its host app can share one container.
 */
export const PolybusTypes = {
  /** The `Bus`, a singleton; started by `startPolybus`, stopped by `stopPolybus` or on unbind. */
  Bus: Symbol.for('polybus.inversify.Bus'),
  /** The `Transport` the bus was built on, when the module was given one. */
  Transport: Symbol.for('polybus.inversify.Transport'),
  /** The default idempotency store; `@Subscribe(topic, { idempotency: PolybusTypes.IdempotencyStore })`. */
  IdempotencyStore: Symbol.for('polybus.inversify.IdempotencyStore'),
  /** Multi-bound: every handler class registered with `polybusModule` or `polybusHandlers`. */
  HandlerClass: Symbol.for('polybus.inversify.HandlerClass'),
  /** The `BindingsPolicy` that turns declared subscribe options into the options bound on this backend. */
  BindingsPolicy: Symbol.for('polybus.inversify.BindingsPolicy'),
  /** Facts about the backend (`BackendInfo`) that a bindings policy chooses by. */
  Backend: Symbol.for('polybus.inversify.Backend'),
  /** Internal: the start/stop state of this container's bus. */
  Runtime: Symbol.for('polybus.inversify.Runtime'),
} as const;
