import { ConfigurationError } from './errors/configuration-error';
import type { Logger } from './logger';

/** What `createBus({ shutdownSignals })` takes: `true` is SIGTERM and SIGINT. */
export type ShutdownSignals = boolean | readonly NodeJS.Signals[];

/** Throws `ConfigurationError` unless `value` is undefined, a boolean or a list of signal names. */
export function checkShutdownSignals(value: unknown): asserts value is ShutdownSignals | undefined {
  if (value === undefined || typeof value === 'boolean') return;
  if (Array.isArray(value) && value.every((s) => typeof s === 'string' && s.startsWith('SIG'))) return;
  throw new ConfigurationError('shutdownSignals', "must be true, false or signal names (['SIGTERM'])");
}

/**
 * Stops the bus when the process is asked to end, then lets the process end as it would have.
 *
 * - On the first of `signals`: logs it and calls `stop` (drain in flight, ack, close).
 * - Once stopped, if nothing else in the application listens for that signal, sends it again to
 *   the process with these listeners gone, so Node ends it the default way (exit 128 + signal
 *   number, what Kubernetes and systemd expect). An application with its own listener decides
 *   when to exit.
 * - A second signal while stopping ends the wait: it is sent on at once (an impatient Ctrl-C).
 *
 * Returns the function that removes the listeners (the bus calls it from `stop`).
 */
export function onShutdownSignals(
  signals: ShutdownSignals,
  stop: () => Promise<void>,
  logger: Logger,
): () => void {
  const names: readonly NodeJS.Signals[] =
    signals === true ? ['SIGTERM', 'SIGINT'] : signals === false ? [] : signals;
  let stopping = false;
  const remove = (): void => {
    for (const name of names) process.removeListener(name, listener);
  };
  const passOn = (signal: NodeJS.Signals): void => {
    remove();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  function listener(signal: NodeJS.Signals): void {
    if (stopping) return passOn(signal);
    stopping = true;
    logger.info(`polybus: ${signal} received, stopping the bus`);
    stop().then(
      () => passOn(signal),
      (error: unknown) => {
        logger.error('polybus: stop after a signal failed', { error });
        passOn(signal);
      },
    );
  }
  for (const name of names) process.on(name, listener);
  return remove;
}
