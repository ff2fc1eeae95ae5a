import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Bus } from '@polybus/core';
import { waitFor } from '@polybus/core/testing';
import { deadLetterOperations, type DeadLetterOperations } from '../src';
import { BROKERS, deadLetteringBus, lettersOn, unique, type Body, type Kind } from './brokers';

const CLI = join(__dirname, '..', 'src', 'cli.ts');
const ROOT = join(__dirname, '..', '..', '..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `polybus ...` as a user runs it: its own process, from the sources (no build). */
function polybus(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=polybus-source', '--import', 'tsx', CLI, ...args],
      // NODE_NO_WARNINGS: a client library's notice about the Node version is no output of ours.
      { cwd: ROOT, timeout: 60_000, env: { ...process.env, NODE_NO_WARNINGS: '1' } },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * One command after the other: on a queue (SQS, RabbitMQ) a running command holds the letters it
 * has read until it ends, so two at once would hide letters from each other.
 */
async function inTurn(...runs: string[][]): Promise<Run[]> {
  const results: Run[] = [];
  for (const args of runs) results.push(await polybus(...args));
  return results;
}

const noStack = (run: Run): void => expect(run.stderr).not.toMatch(/^\s+at /m);

describe.each(BROKERS)('polybus dlq on $name', (broker) => {
  const topic = unique('cmd');
  const dlq = `${topic}.dlq`;
  let bus: Bus;
  let replayed: { id: string }[];
  let ops: DeadLetterOperations;
  const sent: Record<string, string> = {};

  beforeAll(async () => {
    ({ bus, replayed } = await deadLetteringBus(broker, topic));
    const send = async (kind: Kind, n: number): Promise<string> =>
      (await bus.publish<Body>(topic, { n, kind }, { key: 'k' })).id;
    sent.p1 = await send('permanent', 1);
    sent.p2 = await send('permanent', 2);
    sent.t3 = await send('transient', 3);
    ops = await deadLetterOperations(broker.url);
    await lettersOn(ops.transport.deadLetters!(), dlq, 3);
  }, 60_000);
  afterAll(async () => {
    await bus?.stop({ timeoutMs: 2_000 });
    await ops?.close();
  });
  const left = async (): Promise<number> => (await ops.list(dlq)).total;

  it('list: by source topic or dead-letter topic, as a table or JSON', async () => {
    const [json, text] = await inTurn(
      ['dlq', 'list', topic, '--url', broker.url, '--json'],
      ['dlq', 'list', dlq, '--url', broker.url],
    );
    expect(json).toMatchObject({ code: 0, stderr: '' });
    const listing = JSON.parse(json.stdout);
    expect(listing).toMatchObject({ topic: dlq, total: 3 });
    expect(
      listing.groups.map((g: { count: number; fingerprint: string }) => [g.count, g.fingerprint]),
    ).toEqual([
      [2, 'PermanentError: bad order <n> (id <id>)'],
      [1, 'Error: timeout after <n> ms'],
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${dlq}: 3 dead letter(s) in 2 group(s)`);
    // the row's example id is one of its letters, as `show` takes it
    const row = text.stdout.match(
      /^2\s+permanent-error\s+\S+Z\s+\S+Z\s+\S+\s+(\S+)\s+PermanentError: bad order <n> \(id <id>\)$/m,
    );
    expect(row?.[1]).toBe(listing.groups[0].exampleId);
  });

  it('show: one letter in full; an unknown id exits 1 with one line', async () => {
    const [json, text, missing] = await inTurn(
      ['dlq', 'show', dlq, sent.p2!, '--url', broker.url, '--json'],
      ['dlq', 'show', dlq, sent.p2!, '--url', broker.url],
      ['dlq', 'show', dlq, 'no-such-id', '--url', broker.url],
    );
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      id: sent.p2,
      key: 'k',
      body: { encoding: 'utf8', data: JSON.stringify({ n: 2, kind: 'permanent' }) },
      deadLetter: { 'polybus-dlq-reason': 'permanent-error', 'polybus-dlq-source': topic },
    });
    expect(text.stdout).toContain(`id:        ${sent.p2}`);
    expect(text.stdout).toContain('polybus-dlq-reason: permanent-error');
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toBe(`polybus dlq: no letter with id or ref 'no-such-id' on ${dlq}\n`);
  });

  it('replay --dry-run and purge without --yes change nothing; a filter matching nothing exits 1', async () => {
    const [dry, refused, none] = await inTurn(
      ['dlq', 'replay', dlq, '--url', broker.url, '--dry-run', '--reason', 'permanent-error', '--json'],
      ['dlq', 'purge', dlq, '--url', broker.url],
      ['dlq', 'replay', dlq, '--url', broker.url, '--reason', 'no-such-reason'],
    );
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, matched: 2, replayed: 2, removed: 0 });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('add --yes');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('matched');
    expect(await left()).toBe(3);
    expect(replayed).toHaveLength(0);
  });

  it('replay --reason --rate publishes to the source and removes; purge --yes removes the rest', async () => {
    const run = await polybus(
      'dlq',
      'replay',
      topic,
      '--url',
      broker.url,
      '--reason',
      'permanent-error',
      '--rate',
      '50',
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${dlq}: 2 matching letter(s); replayed 2`);
    expect(run.stdout).toContain(`removed 2 from ${dlq}, kept 0`);
    await waitFor(() => replayed.length >= 2, { timeoutMs: 30_000, description: 'replays handled' });
    expect(replayed.map((m) => m.id).sort()).toEqual([sent.p1, sent.p2].sort());
    expect(await left()).toBe(1);

    const purge = await polybus('dlq', 'purge', dlq, '--url', broker.url, '--yes');
    expect(purge.code).toBe(0);
    expect(purge.stdout).toContain(`${dlq}: 1 matching letter(s); removed 1, kept 0`);
    const empty = await polybus('dlq', 'list', dlq, '--url', broker.url);
    expect(empty).toMatchObject({ code: 0, stdout: `${dlq}: no dead letters\n` });
  });

  it('user errors are one line and exit 2: unknown topic, bad URL, bad --since, no URL', async () => {
    const runs = await inTurn(
      ['dlq', 'list', 'cli.no-such-topic', '--url', broker.url],
      ['dlq', 'list', topic, '--url', 'bogus://nowhere'],
      ['dlq', 'replay', topic, '--url', broker.url, '--since', 'yesterday'],
      ['dlq', 'list', topic],
    );
    for (const run of runs) {
      expect(run.code).toBe(2);
      noStack(run);
    }
    expect(runs[0]!.stderr).toContain("'cli.no-such-topic.dlq'");
    expect(runs[1]!.stderr).toContain("unknown scheme 'bogus:'");
    expect(runs[2]!.stderr).toContain('expected an ISO 8601 time');
    expect(runs[3]!.stderr).toContain('--url');
  });
});
