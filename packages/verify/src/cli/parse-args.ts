import { parseArgs } from 'node:util';
import { ConfigurationError, type Guarantee } from '@polybus/core';
import type { Fault, Profile, StoreKind, WorkloadOptions, WorkloadRequest } from '../workload/options';

export interface CliArgs {
  readonly options: WorkloadRequest;
  readonly profile: Profile;
  /** Print the JSON result on stdout instead of the table. */
  readonly json: boolean;
  readonly help: boolean;
}

export const USAGE = `usage: polybus-verify --url <url> [options]

  --url <url>            broker URL, as for createBus({ url }) (default: $POLYBUS_URL)
  --guarantee <g>        at-least-once (default) | exactly-once | at-most-once
  --messages <n>         distinct messages to publish
  --duration <t>         instead of --messages: publish for this long at the publish rate
                         (90s, 10m, 1h; with --publish-rate, or the ci or soak profile)
  --seed <s>             seed of every random choice (default 1): a seed names a run
  --faults <list>        comma-separated faults: kill-consumer, kill-publisher, cut, stall,
                         broker-restart (ci: kill-consumer, cut, stall; soak: kill-consumer,
                         kill-publisher, cut, stall; memory://: none)
  --kills <n>            consumer SIGKILLs with kill-consumer (default 3, ci 1, soak 5)
  --publisher-kills <n>  publisher SIGKILLs with kill-publisher (default 1, soak 3)
  --broker-restart-cmd <shell command>
                         restarts the broker once, at a seeded point (adds broker-restart)
  --cut-seconds <n>      how long the cut lasts (default 10, ci 8, soak 20)
  --stall-seconds <n>    how long the stall lasts (default 10, ci 8, soak 15)
  --publish-rate <n>     messages per second over all publishers, 0 = unpaced (ci: 15, soak: 200)
  --profile <p>          default | ci (small and quick) | soak (50,000 messages, every fault
                         but broker-restart, several kills; about 5 minutes)
  --ordering <o>         none (default) | per-key
  --store <s>            idempotency store for exactly-once: redis (default) | postgres | memory | none
  --store-url <url>      the store's Redis (default redis://127.0.0.1:6379) or PostgreSQL
                         (postgres://…, required with --store postgres)
  --publishers <n>       publisher processes
  --consumers <n>        consumer processes
  --keys <n>             message keys
  --out <dir>            where ledgers, result.json and report.html go (default: a temporary directory)
  --json                 print the JSON result instead of the table
`;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** `90`, `90s`, `10m`, `1h` in seconds; undefined when not given. */
function duration(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const match = /^(\d+)([smh]?)$/.exec(raw);
  if (match === null)
    throw new ConfigurationError(
      '--duration',
      `must be a whole number of s, m or h (90s, 10m, 1h), got '${raw}'`,
    );
  return Number(match[1]) * UNIT_SECONDS[match[2] || 's']!;
}

/** Reads the command line; a bad flag or value is a `ConfigurationError` naming it. */
export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): CliArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        url: { type: 'string' },
        guarantee: { type: 'string' },
        messages: { type: 'string' },
        duration: { type: 'string' },
        seed: { type: 'string' },
        faults: { type: 'string' },
        kills: { type: 'string' },
        'publisher-kills': { type: 'string' },
        'broker-restart-cmd': { type: 'string' },
        'cut-seconds': { type: 'string' },
        'stall-seconds': { type: 'string' },
        'publish-rate': { type: 'string' },
        profile: { type: 'string' },
        ordering: { type: 'string' },
        store: { type: 'string' },
        'store-url': { type: 'string' },
        publishers: { type: 'string' },
        consumers: { type: 'string' },
        keys: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (cause) {
    throw new ConfigurationError('argv', (cause as Error).message, { cause });
  }
  const str = (name: string) => values[name] as string | undefined;
  const int = (name: string): number | undefined => {
    const raw = str(name);
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw)) throw new ConfigurationError(`--${name}`, `must be a whole number, got '${raw}'`);
    return Number(raw);
  };
  const url = str('url') ?? env.POLYBUS_URL ?? '';
  const help = values.help === true;
  if (url === '' && !help) throw new ConfigurationError('--url', 'is required (or set POLYBUS_URL)');
  return {
    help,
    json: values.json === true,
    profile: (str('profile') ?? 'default') as Profile,
    options: {
      url,
      guarantee: str('guarantee') as Guarantee | undefined,
      messages: int('messages'),
      durationSeconds: duration(str('duration')),
      seed: int('seed'),
      faults: str('faults')
        ?.split(',')
        .map((f) => f.trim())
        .filter((f) => f !== '') as Fault[] | undefined,
      kills: int('kills'),
      publisherKills: int('publisher-kills'),
      brokerRestartCmd: str('broker-restart-cmd'),
      cutSeconds: int('cut-seconds'),
      stallSeconds: int('stall-seconds'),
      publishRate: int('publish-rate'),
      ordering: str('ordering') as WorkloadOptions['ordering'] | undefined,
      store: str('store') as StoreKind | undefined,
      storeUrl: str('store-url'),
      publishers: int('publishers'),
      consumers: int('consumers'),
      keys: int('keys'),
      dir: str('out'),
    },
  };
}
