import { ConfigurationError } from '../errors/configuration-error';
import type { Middleware } from '../middleware';
import { processing, runtime } from './test-support';
import { userMiddleware } from './user-middleware';
import type { Processing } from './processing';

const decoded = (): Processing => {
  const p = processing();
  p.message = { id: 'm1', topic: 't', headers: {}, body: { n: 1 }, timestamp: 0 };
  return p;
};

describe('userMiddleware', () => {
  it('runs the list around the rest of the chain, first = outermost, with the message and ctx', async () => {
    const trace: string[] = [];
    const tag =
      (name: string): Middleware =>
      async (message, ctx, next) => {
        trace.push(`${name}>${message.id}@${ctx.attempt}`);
        await next();
        trace.push(`<${name}`);
      };
    await userMiddleware([tag('a'), tag('b')])(async () => void trace.push('handler'))(decoded());
    expect(trace).toEqual(['a>m1@1', 'b>m1@1', 'handler', '<b', '<a']);
  });

  it('a middleware that returns without next() skips the rest (a filter)', async () => {
    let ran = false;
    await userMiddleware([() => undefined])(async () => void (ran = true))(decoded());
    expect(ran).toBe(false);
  });

  it('passes a failure of the rest, or its own, to the caller', async () => {
    const through: Middleware = (_m, _c, next) => next();
    await expect(
      userMiddleware([through])(() => Promise.reject(new Error('handler failed')))(decoded()),
    ).rejects.toThrow('handler failed');
    const throwing: Middleware = () => {
      throw new Error('unauthorized');
    };
    await expect(userMiddleware([throwing])(async () => undefined)(decoded())).rejects.toThrow(
      'unauthorized',
    );
  });

  it('refuses a second next() instead of running the handler twice', async () => {
    let runs = 0;
    const twice: Middleware = async (_m, _c, next) => {
      await next();
      await next();
    };
    const error = await userMiddleware([twice])(async () => void runs++)(decoded()).catch((e: unknown) => e);
    expect(ConfigurationError.is(error)).toBe(true);
    expect(runs).toBe(1);
  });

  it("binding options: the binding's list, bad entries refused by name", () => {
    const own: Middleware = (_m, _c, next) => next();
    expect(runtime({ use: [own] }).binding.use).toEqual([own]);
    expect(() => runtime({ use: [own, 'x' as never] })).toThrow(/use\[1\]/);
    expect(() => runtime({ use: own as never })).toThrow(/use/);
    expect(() => runtime({ isPermanent: true as never })).toThrow(/isPermanent/);
  });
});
