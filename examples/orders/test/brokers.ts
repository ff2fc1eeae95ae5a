import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');

/** One backend the example must run on, and why it cannot run here when it cannot. */
export interface BrokerCase {
  readonly name: string;
  readonly url: string;
  /** Set when the case cannot run: the reason goes into the skipped test's name. */
  readonly skip?: string;
}

interface Candidate {
  readonly name: string;
  readonly adapter: string;
  readonly url: string;
  readonly host: string;
  readonly port: number;
}

function candidates(): Candidate[] {
  const env = process.env;
  const kafka = (env.POLYBUS_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')[0];
  const amqp = new URL(env.POLYBUS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
  const sqs = new URL(env.POLYBUS_SQS_ENDPOINT ?? 'http://127.0.0.1:9324');
  const redis = new URL(env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const [kafkaHost, kafkaPort] = kafka.split(':');
  return [
    {
      name: 'kafka',
      adapter: 'kafka',
      url: `kafka://${kafka}`,
      host: kafkaHost,
      port: Number(kafkaPort ?? 9092),
    },
    {
      name: 'rabbitmq',
      adapter: 'rabbitmq',
      url: amqp.href,
      host: amqp.hostname,
      port: Number(amqp.port || 5672),
    },
    {
      name: 'sqs',
      adapter: 'sqs',
      url: `sqs://${sqs.host}?region=us-east-1`,
      host: sqs.hostname,
      port: Number(sqs.port || 80),
    },
    {
      name: 'redis-streams',
      adapter: 'redis-streams',
      url: redis.href,
      host: redis.hostname,
      port: Number(redis.port || 6379),
    },
  ];
}

/** The adapter has landed when its index exists and exports `createTransportFromUrl`. */
function adapterPresent(adapter: string): boolean {
  const index = path.join(ROOT, 'packages', adapter, 'src', 'index.ts');
  return existsSync(index) && /export[^;]*\bcreateTransportFromUrl\b/s.test(readFileSync(index, 'utf8'));
}

/**
 * Which host:port pairs accept a TCP connection. Synchronous (a child node process) because Jest
 * collects test cases synchronously and a case must know at collection time whether it is skipped.
 */
function reachable(targets: readonly { host: string; port: number }[]): boolean[] {
  const script = `
    const net = require('node:net');
    const targets = ${JSON.stringify(targets)};
    Promise.all(targets.map(({ host, port }) => new Promise((resolve) => {
      const socket = net.connect({ host, port, timeout: 2000 });
      const done = (ok) => { socket.destroy(); resolve(ok); };
      socket.once('connect', () => done(true)).once('error', () => done(false)).once('timeout', () => done(false));
    }))).then((r) => process.stdout.write(JSON.stringify(r)));`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
  try {
    return JSON.parse(result.stdout) as boolean[];
  } catch {
    return targets.map(() => false);
  }
}

/** memory:// first, then every real broker, each with the reason it is skipped when it is. */
export function brokerCases(): BrokerCase[] {
  const all = candidates();
  const up = reachable(all);
  return [
    { name: 'memory', url: 'memory://orders-e2e' },
    ...all.map((c, i): BrokerCase => {
      if (!adapterPresent(c.adapter))
        return {
          name: c.name,
          url: c.url,
          skip: `adapter not present (packages/${c.adapter}/src/index.ts with createTransportFromUrl)`,
        };
      // In CI the brokers were brought up first: one that does not answer is a failure, not a skip.
      if (!up[i] && process.env.CI !== 'true')
        return { name: c.name, url: c.url, skip: `broker not reachable at ${c.host}:${c.port}` };
      return { name: c.name, url: c.url };
    }),
  ];
}
