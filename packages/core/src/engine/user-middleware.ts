import { ConfigurationError } from '../errors/configuration-error';
import type { Middleware } from '../middleware';
import type { Policy, Processing, Step } from './processing';

/** Runs the binding's user middlewares (see `Middleware`) around the rest of the chain, first = outermost. */
export function userMiddleware(list: readonly Middleware[]): Policy {
  return (next) =>
    list.reduceRight<Step>(
      (inner, middleware) => (p: Processing) => {
        let called = false;
        const proceed = (): Promise<void> => {
          if (called) return Promise.reject(new ConfigurationError('middleware', 'called next() twice'));
          called = true;
          return inner(p);
        };
        try {
          return Promise.resolve(middleware(p.message!, p, proceed));
        } catch (error) {
          return Promise.reject(error);
        }
      },
      next,
    );
}
