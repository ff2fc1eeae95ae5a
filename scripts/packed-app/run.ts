// A fresh app from the packed packages, as a registry user would get them: build, `pnpm pack` each
// publishable package, `npm install` the tarballs with the broker clients in a temp folder, compile
// the README example and an @polybus/inversify service with `tsc --strict` (ESM and CommonJS under
// node16, ESM under nodenext, CommonJS under node10, bundler), then run them on memory and on every broker.
//
//   pnpm exec tsx scripts/packed-app/run.ts          (PACKED_APP_SKIP_BUILD=1 reuses dist/)
//
// Exits 1 when any step fails; each failing line names the step, the variant and the broker.
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { entryPointsApp, inversifyApp, readmeApp, readmeExample, type ModuleKind } from './app-sources';
import { checkPackage } from './package-checks';

const ROOT = path.resolve(__dirname, '../..');
const rootManifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
};
const pin = (name: string): string => rootManifest.devDependencies[name];

/** Packages the apps install (conformance and verify pull in Jest; they are packed and checked, not installed). */
const INSTALLED = [
  '@polybus/core',
  '@polybus/kafka',
  '@polybus/rabbitmq',
  '@polybus/sqs',
  '@polybus/redis-streams',
  '@polybus/store-redis',
  '@polybus/inversify',
  '@polybus/opentelemetry',
];

/**
 * Third-party packages at the versions the repository pins. ioredis is taken at the newest release
 * the peer range `^6.0.0` admits, 6.1.0, which is what `npm install ioredis` gives a user today.
 */
const CLIENTS: Record<string, string> = {
  kafkajs: pin('kafkajs'),
  amqplib: pin('amqplib'),
  '@aws-sdk/client-sqs': pin('@aws-sdk/client-sqs'),
  ioredis: process.env.PACKED_APP_IOREDIS ?? '6.1.0',
  inversify: '7.8.0',
  'reflect-metadata': '0.2.2',
  '@opentelemetry/api': '1.9.1',
  typescript: pin('typescript'),
  '@types/node': pin('@types/node'),
};

interface Result {
  readonly code: number | null;
  readonly output: string;
  readonly ms: number;
}

function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<Result> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const killer = setTimeout(() => {
      output += `\n[killed after ${options.timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 300_000);
    child.once('error', (error) => {
      clearTimeout(killer);
      resolve({ code: -1, output: String(error), ms: Date.now() - started });
    });
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

const failures: string[] = [];
const indent = (text: string): string =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => `    | ${line}`)
    .join('\n');

function report(label: string, ok: boolean, ms: number, detail?: string): void {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label} (${(ms / 1000).toFixed(1)} s)`);
  if (!ok) {
    failures.push(label);
    if (detail) console.log(indent(detail));
  }
}

async function step(label: string, command: string, args: readonly string[], cwd: string): Promise<boolean> {
  const result = await run(command, args, { cwd });
  report(label, result.code === 0, result.ms, result.output);
  return result.code === 0;
}

function publishablePackages(): string[] {
  return readdirSync(path.join(ROOT, 'packages'))
    .map((name) => path.join(ROOT, 'packages', name))
    .filter((dir) => {
      const file = path.join(dir, 'package.json');
      return existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).private !== true;
    });
}

async function pack(work: string): Promise<Map<string, string> | undefined> {
  const tarballs = path.join(work, 'tarballs');
  mkdirSync(tarballs, { recursive: true });
  const byName = new Map<string, string>();
  for (const dir of publishablePackages()) {
    const name = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).name as string;
    const result = await run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir });
    const tarball = result.output
      .trim()
      .split('\n')
      .reverse()
      .find((line) => line.trim().endsWith('.tgz'))
      ?.trim();
    const ok = result.code === 0 && tarball !== undefined;
    report(`pack ${name}`, ok, result.ms, result.output);
    if (!ok) return undefined;
    byName.set(name, path.isAbsolute(tarball) ? tarball : path.join(tarballs, tarball));
  }
  return byName;
}

async function checkTarballs(work: string, tarballs: Map<string, string>): Promise<void> {
  for (const [name, tarball] of tarballs) {
    const dir = path.join(work, 'unpacked', name);
    mkdirSync(dir, { recursive: true });
    const untar = await run('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1'], { cwd: work });
    if (untar.code !== 0) {
      report(`contents of ${name}`, false, untar.ms, untar.output);
      continue;
    }
    const started = Date.now();
    const { files, problems } = checkPackage(dir);
    report(
      `contents of ${name}: ${files} files, ${problems.length} problems`,
      problems.length === 0,
      Date.now() - started,
      problems.slice(0, 20).join('\n') +
        (problems.length > 20 ? `\n... and ${problems.length - 20} more` : ''),
    );
  }
}

/** Public entry points of the installed packages: `.` plus each `exports` subpath. */
function entryPoints(tarballs: Map<string, string>, work: string): string[] {
  return INSTALLED.filter((name) => tarballs.has(name)).flatMap((name) => {
    const manifest = JSON.parse(readFileSync(path.join(work, 'unpacked', name, 'package.json'), 'utf8'));
    return Object.keys(manifest.exports ?? { '.': '' }).map((subpath) =>
      subpath === '.' ? name : `${name}/${subpath.slice(2)}`,
    );
  });
}

interface Variant {
  readonly name: string;
  /** Sources and package.json "type" of this folder. */
  readonly kind: ModuleKind;
  readonly compilerOptions: Record<string, unknown>;
  /** Emits JavaScript that is then run on every broker; otherwise type-checked only. */
  readonly runs: boolean;
}

const VARIANTS: readonly Variant[] = [
  {
    name: 'esm-node16',
    kind: 'esm',
    compilerOptions: { module: 'node16', moduleResolution: 'node16' },
    runs: true,
  },
  {
    name: 'cjs-node16',
    kind: 'cjs',
    compilerOptions: { module: 'node16', moduleResolution: 'node16' },
    runs: true,
  },
  {
    name: 'esm-nodenext',
    kind: 'esm',
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' },
    runs: false,
  },
  {
    name: 'cjs-node10',
    kind: 'cjs',
    compilerOptions: { module: 'commonjs', moduleResolution: 'node10' },
    runs: false,
  },
  {
    name: 'bundler',
    kind: 'esm',
    compilerOptions: { module: 'preserve', moduleResolution: 'bundler' },
    runs: false,
  },
];

function writeApp(app: string, variant: Variant, readme: string, entries: string[]): string {
  const dir = path.join(app, variant.name);
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ private: true, type: variant.kind === 'esm' ? 'module' : 'commonjs' }, null, 2),
  );
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022'],
          strict: true,
          // Library declarations are compiled too: a user's strict build sees every .d.ts.
          skipLibCheck: false,
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          types: ['node'],
          rootDir: 'src',
          outDir: 'dist',
          ...(variant.runs ? {} : { noEmit: true }),
          ...variant.compilerOptions,
        },
        include: ['src'],
      },
      null,
      2,
    ),
  );
  const suffix = `packed-${variant.kind}`;
  writeFileSync(path.join(dir, 'src', 'readme.ts'), readmeApp(readme, variant.kind, suffix));
  writeFileSync(path.join(dir, 'src', 'inversify.ts'), inversifyApp(suffix));
  writeFileSync(path.join(dir, 'src', 'entries.ts'), entryPointsApp(entries));
  return dir;
}

interface Broker {
  readonly name: string;
  readonly url: string;
  readonly host: string;
  readonly port: number;
}

function brokers(): Broker[] {
  const env = process.env;
  const [kafkaHost, kafkaPort] = (env.POLYBUS_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')[0].split(':');
  const amqp = new URL(env.POLYBUS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
  const sqs = new URL(env.POLYBUS_SQS_ENDPOINT ?? 'http://127.0.0.1:9324');
  const redis = new URL(env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379');
  return [
    { name: 'memory', url: 'memory://', host: '', port: 0 },
    {
      name: 'kafka',
      url: `kafka://${kafkaHost}:${kafkaPort ?? 9092}`,
      host: kafkaHost,
      port: Number(kafkaPort ?? 9092),
    },
    { name: 'rabbitmq', url: amqp.href, host: amqp.hostname, port: Number(amqp.port || 5672) },
    {
      name: 'sqs',
      url: `sqs://${sqs.host}?region=us-east-1`,
      host: sqs.hostname,
      port: Number(sqs.port || 80),
    },
    { name: 'redis-streams', url: redis.href, host: redis.hostname, port: Number(redis.port || 6379) },
  ];
}

function reachable(broker: Broker): Promise<boolean> {
  if (broker.port === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const socket = net.connect({ host: broker.host, port: broker.port, timeout: 2000 });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket
      .once('connect', () => done(true))
      .once('error', () => done(false))
      .once('timeout', () => done(false));
  });
}

const EXPECTED: Record<string, string> = {
  readme: 'payment requested for o-1',
  inversify: 'payment settled for o-1 paid',
};

/** Runs jobs with at most `limit` at a time (the brokers and the 2-core machine are shared). */
async function pool<T>(jobs: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]();
      }
    }),
  );
  return results;
}

async function main(): Promise<void> {
  const started = Date.now();
  const work = process.env.PACKED_APP_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'polybus-packed-'));
  rmSync(path.join(work, 'unpacked'), { recursive: true, force: true });
  rmSync(path.join(work, 'tarballs'), { recursive: true, force: true });
  console.log(`packed app in ${work}`);

  if (process.env.PACKED_APP_SKIP_BUILD !== '1')
    if (!(await step('build the packages', 'pnpm', ['-r', '--filter', './packages/*', 'build'], ROOT)))
      return;

  const tarballs = await pack(work);
  if (!tarballs) return;
  await checkTarballs(work, tarballs);

  const app = path.join(work, 'app');
  mkdirSync(app, { recursive: true });
  const dependencies: Record<string, string> = { ...CLIENTS };
  for (const name of INSTALLED) dependencies[name] = `file:${tarballs.get(name)}`;
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ private: true, dependencies }, null, 2));
  rmSync(path.join(app, 'package-lock.json'), { force: true });
  rmSync(path.join(app, 'node_modules', '@polybus'), { recursive: true, force: true });
  const installed = await step(
    `npm install ${INSTALLED.length} tarballs + ${Object.keys(CLIENTS).length} packages`,
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', '--no-package-lock'],
    app,
  );
  if (!installed) return;

  const readme = readmeExample(ROOT);
  const entries = entryPoints(tarballs, work);
  const tsc = path.join(app, 'node_modules', 'typescript', 'bin', 'tsc');
  const compiled: { variant: Variant; dir: string }[] = [];
  await pool(
    VARIANTS.map((variant) => async () => {
      const dir = writeApp(app, variant, readme, entries);
      rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
      const ok = await step(
        `tsc --strict ${variant.name} (${Object.values(variant.compilerOptions).join('/')}, "type": "${variant.kind === 'esm' ? 'module' : 'commonjs'}")`,
        process.execPath,
        [tsc, '-p', 'tsconfig.json'],
        dir,
      );
      if (ok && variant.runs) compiled.push({ variant, dir });
    }),
    2,
  );

  const jobs: (() => Promise<void>)[] = [];
  for (const broker of brokers()) {
    const up = await reachable(broker);
    for (const { variant, dir } of compiled)
      for (const program of ['readme', 'inversify']) {
        const label = `run ${program} ${variant.name} on ${broker.name} (${broker.url})`;
        if (!up && process.env.CI !== 'true') {
          console.log(`skip ${label}: broker not reachable at ${broker.host}:${broker.port}`);
          continue;
        }
        jobs.push(async () => {
          const result = await run(process.execPath, [path.join('dist', `${program}.js`)], {
            cwd: dir,
            // ElasticMQ ignores credentials but the AWS SDK insists on finding some.
            env: { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', POLYBUS_URL: broker.url },
            timeoutMs: 90_000,
          });
          const ok = result.code === 0 && result.output.split('\n').includes(EXPECTED[program]);
          report(
            label,
            ok,
            result.ms,
            `exit ${result.code}, expected the line "${EXPECTED[program]}"\n${result.output}`,
          );
        });
      }
  }
  await pool(jobs, 3);

  console.log(
    `\n${failures.length === 0 ? 'PASS' : `FAIL (${failures.length})`} packed app in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  for (const failure of failures) console.log(`  failed: ${failure}`);
  // A temp folder of our own is removed when all passed; on failure it stays for a look.
  if (failures.length === 0 && process.env.PACKED_APP_DIR === undefined)
    rmSync(work, { recursive: true, force: true });
  else if (failures.length > 0) console.log(`  the apps are in ${work}`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    failures.push('the script itself');
  })
  .finally(() => {
    process.exitCode = failures.length === 0 ? 0 : 1;
  });
