#!/usr/bin/env node
// Readiness check for the local brokers: each broker must give a real protocol answer.
//
//   node scripts/brokers/ready.js [--once] [--timeout=SECONDS] [kafka|sqs|amqp|redis|postgres ...]
//
// Without names, every broker is checked (concurrently). Each check is retried until it succeeds or
// its time limit passes: 90 s for Kafka, 60 s for the others (--timeout=N overrides all; --once makes a
// single quick attempt, for `brokers.sh status`). One line per broker is printed:
//
//   kafka     127.0.0.1:9092  up    3.1s  metadata ok, idempotent producer sent to polybus-ready
//
// and, if any failed, a last line `failed: <names>`; the exit code is the number of failed brokers.
// Addresses come from the same env variables the tests use (see docs/brokers.md).
'use strict';

const path = require('path');
const { createRequire } = require('module');

// Resolve the clients from the repo root, whatever the current directory is.
const rootRequire = createRequire(path.join(__dirname, '..', '..', 'package.json'));

// The AWS SDK warns on every run that future releases will need Node >= 22; not useful here.
if (!process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}

const env = {
  kafka: process.env.POLYBUS_KAFKA_BROKERS || '127.0.0.1:9092',
  sqs: process.env.POLYBUS_SQS_ENDPOINT || 'http://127.0.0.1:9324',
  amqp: process.env.POLYBUS_AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672',
  redis: process.env.POLYBUS_REDIS_URL || 'redis://127.0.0.1:6379',
  postgres: process.env.POLYBUS_PG_URL || 'postgres://postgres@127.0.0.1:5432/test',
};

const DEFAULT_LIMIT_S = { kafka: 90, sqs: 60, amqp: 60, redis: 60, postgres: 60 };
const ONCE_LIMIT_S = 8;

function redact(url) {
  return url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---- one attempt per broker; each resolves with a short description or throws ----

async function checkKafka(attemptMs, quick) {
  const { Kafka, logLevel } = rootRequire('kafkajs');
  const kafka = new Kafka({
    clientId: 'polybus-ready',
    brokers: env.kafka
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
  });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
  try {
    await withTimeout(admin.connect(), attemptMs, 'kafka admin connect');
    const topics = await withTimeout(admin.listTopics(), attemptMs, 'kafka listTopics');
    if (quick) return `metadata ok (${topics.length} topics)`;
    if (!topics.includes('polybus-ready')) {
      await withTimeout(
        admin.createTopics({
          topics: [{ topic: 'polybus-ready', numPartitions: 1, replicationFactor: 1 }],
          waitForLeaders: true,
        }),
        attemptMs,
        'kafka createTopics',
      );
    }
    await withTimeout(
      admin.fetchTopicMetadata({ topics: ['polybus-ready'] }),
      attemptMs,
      'kafka fetchTopicMetadata',
    );
    // An idempotent producer needs InitProducerId from the broker: this proves more than a socket.
    await withTimeout(producer.connect(), attemptMs, 'kafka producer connect');
    await withTimeout(
      producer.send({
        topic: 'polybus-ready',
        acks: -1,
        messages: [{ key: 'ready', value: new Date().toISOString() }],
      }),
      attemptMs,
      'kafka idempotent send',
    );
    return 'metadata ok, idempotent producer sent to polybus-ready';
  } finally {
    await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
  }
}

async function checkSqs(attemptMs) {
  const { SQSClient, ListQueuesCommand } = rootRequire('@aws-sdk/client-sqs');
  const client = new SQSClient({
    endpoint: env.sqs,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  try {
    const out = await withTimeout(client.send(new ListQueuesCommand({})), attemptMs, 'sqs ListQueues');
    return `ListQueues ok (${(out.QueueUrls || []).length} queues)`;
  } finally {
    client.destroy();
  }
}

async function checkAmqp(attemptMs) {
  const amqp = rootRequire('amqplib');
  const conn = await withTimeout(
    amqp.connect(env.amqp, { timeout: Math.min(attemptMs, 5000) }),
    attemptMs,
    'amqp connect',
  );
  try {
    conn.on('error', () => {});
    const ch = await withTimeout(conn.createChannel(), attemptMs, 'amqp channel');
    await ch.close();
    const p = conn.connection.serverProperties || {};
    return `connected (${p.product || 'AMQP'} ${p.version || ''})`.replace(' )', ')');
  } finally {
    await conn.close().catch(() => {});
  }
}

async function checkRedis(attemptMs) {
  const { Redis } = rootRequire('ioredis');
  const client = new Redis(env.redis, {
    lazyConnect: true,
    connectTimeout: Math.min(attemptMs, 5000),
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => {});
  try {
    await withTimeout(client.connect(), attemptMs, 'redis connect');
    const pong = await withTimeout(client.ping(), attemptMs, 'redis PING');
    if (pong !== 'PONG') throw new Error(`redis PING answered ${pong}`);
    return 'PING -> PONG';
  } finally {
    client.disconnect();
  }
}

async function checkPostgres(attemptMs) {
  const { Client } = rootRequire('pg');
  const client = new Client({
    connectionString: env.postgres,
    connectionTimeoutMillis: Math.min(attemptMs, 5000),
  });
  client.on('error', () => {});
  try {
    await withTimeout(client.connect(), attemptMs, 'postgres connect');
    const res = await withTimeout(
      client.query('SELECT 1 AS ok, version() AS v'),
      attemptMs,
      'postgres SELECT 1',
    );
    if (res.rows[0].ok !== 1) throw new Error('postgres SELECT 1 gave an unexpected answer');
    return `SELECT 1 ok (${String(res.rows[0].v).split(' ').slice(0, 2).join(' ')})`;
  } finally {
    await client.end().catch(() => {});
  }
}

const CHECKS = {
  kafka: { addr: () => env.kafka, run: checkKafka },
  sqs: { addr: () => env.sqs, run: checkSqs },
  amqp: { addr: () => redact(env.amqp), run: checkAmqp },
  redis: { addr: () => redact(env.redis), run: checkRedis },
  postgres: { addr: () => redact(env.postgres), run: checkPostgres },
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// brokers.sh passes the pids it started (`kafka:123,sqs:456`): a check gives up as soon as the
// broker's process has exited instead of waiting out its time limit.
const watchedPids = new Map(
  (process.env.POLYBUS_READY_WATCH_PIDS || '')
    .split(',')
    .map((s) => s.split(':'))
    .filter(([name, pid]) => name && /^\d+$/.test(pid || ''))
    .map(([name, pid]) => [name, Number(pid)]),
);

function processGone(name) {
  const pid = watchedPids.get(name);
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return err.code === 'ESRCH';
  }
}

async function waitFor(name, limitS, once) {
  const started = Date.now();
  const deadline = started + limitS * 1000;
  let lastError;
  for (;;) {
    const left = deadline - Date.now();
    const attemptMs = Math.max(1000, Math.min(once ? left : 20000, left));
    try {
      const detail = await CHECKS[name].run(attemptMs, once);
      return { name, ok: true, ms: Date.now() - started, detail };
    } catch (err) {
      lastError = err;
    }
    if (processGone(name)) {
      const pid = watchedPids.get(name);
      lastError = new Error(`process ${pid} exited (last error: ${lastError && lastError.message})`);
      break;
    }
    if (once || Date.now() + 1000 > deadline) break;
    await sleep(1000);
  }
  const msg = (lastError && (lastError.message || String(lastError))) || 'unknown error';
  const causeMsg = lastError && lastError.cause && lastError.cause.message;
  const cause = causeMsg && causeMsg !== msg ? ` (${causeMsg})` : '';
  return {
    name,
    ok: false,
    ms: Date.now() - started,
    detail: `${msg}${cause}`.replace(/\s+/g, ' ').slice(0, 300),
  };
}

async function main() {
  const args = process.argv.slice(2);
  const once = args.includes('--once');
  const timeoutArg = args.find((a) => a.startsWith('--timeout='));
  const names = args.filter((a) => !a.startsWith('--'));
  for (const n of names) {
    if (!CHECKS[n]) {
      console.error(`ready.js: unknown broker "${n}" (known: ${Object.keys(CHECKS).join(', ')})`);
      process.exit(64);
    }
  }
  const selected = names.length ? names : Object.keys(CHECKS);
  const results = await Promise.all(
    selected.map((n) => {
      const limit = timeoutArg ? Number(timeoutArg.split('=')[1]) : once ? ONCE_LIMIT_S : DEFAULT_LIMIT_S[n];
      return waitFor(n, limit, once);
    }),
  );
  for (const r of results) {
    const state = r.ok ? 'up' : 'down';
    const secs = `${(r.ms / 1000).toFixed(1)}s`;
    console.log(
      `${r.name.padEnd(9)} ${CHECKS[r.name].addr().padEnd(40)} ${state.padEnd(5)} ${secs.padStart(6)}  ${r.detail}`,
    );
  }
  const failed = results.filter((r) => !r.ok).map((r) => r.name);
  if (failed.length) console.log(`failed: ${failed.join(' ')}`);
  process.exit(failed.length);
}

main().catch((err) => {
  console.error('ready.js crashed:', err);
  process.exit(99);
});
