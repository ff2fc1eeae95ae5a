import type { BindOptions } from './bind-options';
import { checkGuarantee, toSubscribeOptions } from './check-guarantee';
import { Dispatcher, type DispatcherDeps } from './dispatcher';
import { ConfigurationError } from './errors/configuration-error';
import type { Handler } from './handler';
import { resolveBinding, type BindingDefaults } from './resolve-binding';
import type { SubscribeOptions, Transport } from './transport';

/** A binding as `bind` took it: resolved again at start, when the transport is known for sure. */
export interface PendingBinding {
  readonly topic: string;
  readonly handler: Handler<unknown>;
  readonly options: BindOptions<unknown>;
}

/**
 * A bus's bindings, from `bind` to `stop`.
 *
 * - `add` refuses a binding at `bind` time rather than at start: a handler that is no function,
 *   options that do not resolve, a second binding of one topic for one group, and (once the
 *   transport is known) a guarantee the transport cannot honour beside the bindings before it.
 * - `open` is the binding half of `start`: it checks each binding again against the transport,
 *   makes its dispatcher, ensures every binding's topic and dead-letter topic exists (one call),
 *   then subscribes them one by one in bind order. A dispatcher is listed in `dispatchers` as
 *   soon as it is made, so a `stop` or `health` during start sees it. It undoes nothing when it
 *   throws: the caller calls `abandon`.
 * - `closeAll` closes every subscription opened so far and never throws; `abandon` also forgets
 *   the dispatchers (start failed, and the next start makes them anew).
 */
export class BusBindings {
  readonly pending: PendingBinding[] = [];
  readonly dispatchers: Dispatcher[] = [];

  constructor(private readonly defaults: BindingDefaults) {}

  add<T>(
    topic: string,
    handler: Handler<T>,
    options: BindOptions<T>,
    transport: Transport | undefined,
  ): void {
    if (typeof handler !== 'function') throw new ConfigurationError('handler', 'must be a function');
    const binding = resolveBinding(topic, options, this.defaults);
    if (this.pending.some((b) => b.topic === topic && b.options.group === binding.group))
      throw new ConfigurationError('group', `'${topic}' is already bound for group '${binding.group}'`);
    if (transport)
      checkGuarantee(
        binding,
        transport,
        this.pending.map((b) => this.subscribeOptionsOf(b)),
      );
    this.pending.push({
      topic,
      handler: handler as Handler<unknown>,
      options: options as BindOptions<unknown>,
    });
  }

  async open(deps: DispatcherDeps): Promise<void> {
    const { transport } = deps;
    const existing: SubscribeOptions[] = [];
    for (const b of this.pending) {
      const binding = resolveBinding(b.topic, b.options, this.defaults);
      checkGuarantee(binding, transport, existing);
      existing.push(toSubscribeOptions(binding));
      this.dispatchers.push(new Dispatcher(binding, b.handler, deps));
    }
    const topics = new Set<string>();
    for (const d of this.dispatchers) {
      topics.add(d.binding.topic);
      if (d.binding.deadLetter !== false) topics.add(d.binding.deadLetter);
    }
    if (topics.size > 0) await transport.ensureTopics?.([...topics]);
    for (const d of this.dispatchers)
      d.subscription = await transport.subscribe(toSubscribeOptions(d.binding), d.handle);
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.dispatchers.map((d) => d.subscription?.close()));
  }

  async abandon(): Promise<void> {
    await this.closeAll();
    this.dispatchers.length = 0;
  }

  private subscribeOptionsOf(b: PendingBinding): SubscribeOptions {
    return toSubscribeOptions(resolveBinding(b.topic, b.options, this.defaults));
  }
}
