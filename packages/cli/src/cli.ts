import { PolybusError, type Logger } from '@polybus/core';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { deadLetterOperations, deadLetterTopicOf, type DeadLetterOperations } from './dead-letter-operations';
import { parseSince, type LetterFilter } from './filter';
import { formatDetail, formatListing, formatPurge, formatReplay } from './format';

/** Where the CLI writes: the process's streams, or a test's buffers. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

// `polybus dlq list ... | head`: a reader that went away is no error of ours.
const ignoreClosedPipe = (error: NodeJS.ErrnoException): void => {
  if (error.code !== 'EPIPE') throw error;
};

const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

interface Common {
  url?: string;
  exact?: boolean;
  json?: boolean;
}

/**
 * `polybus dlq list|show|replay|purge`. Exit codes: 0 done; 1 nothing to do (no such letter, no
 * letter matched); 2 the command could not run (usage, configuration, broker unreachable). A user's
 * mistake is one line on stderr, never a stack trace.
 */
export async function main(
  argv: readonly string[],
  io: CliIo = processIo,
  env = process.env,
): Promise<number> {
  if (io === processIo && !process.stdout.listeners('error').includes(ignoreClosedPipe))
    process.stdout.on('error', ignoreClosedPipe);
  let code = 0;
  const print = (opts: Common, value: unknown, text: string): void =>
    io.out(`${opts.json ? JSON.stringify(value, null, 2) : text}\n`);
  const run =
    (work: (ops: DeadLetterOperations, topic: string, opts: Common, args: string[]) => Promise<number>) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args.at(-1) as Command;
      const opts = command.opts<Common>();
      const positional = command.args;
      code = await withOperations(io, opts.url ?? env.POLYBUS_URL, (ops) =>
        work(ops, deadLetterTopicOf(positional[0]!, opts.exact), opts, positional),
      );
    };

  const program = new Command('polybus')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .description('Polybus operations');
  const dlq = program
    .command('dlq')
    .description(
      'dead letters: <topic> is the dead-letter topic, or a source topic whose dead letters are on `<topic>.dlq`',
    );
  const common = (cmd: Command): Command =>
    cmd
      .option('--url <url>', 'broker URL (kafka://, redis://, amqp://, sqs://); default $POLYBUS_URL')
      .option('--exact', 'take <topic> as the dead-letter topic even without the .dlq suffix')
      .option('--json', 'machine-readable output');
  const filters = (cmd: Command): Command =>
    cmd
      .option(
        '--reason <reason>',
        'only letters of this polybus-dlq-reason (permanent-error, max-attempts, ...)',
      )
      .option('--since <iso>', 'only letters that failed at or after this ISO 8601 time', parseSince);

  common(dlq.command('list <topic>').description('count the letters, grouped by reason and error')).action(
    run(async (ops, topic, opts) => {
      const listing = await ops.list(topic);
      print(opts, listing, formatListing(listing));
      return 0;
    }),
  );

  common(
    dlq.command('show <topic> <id>').description('one letter in full (by message id or broker ref)'),
  ).action(
    run(async (ops, topic, opts, [, id]) => {
      const letter = await ops.show(topic, id!);
      if (letter === undefined) {
        io.err(`polybus dlq: no letter with id or ref '${id}' on ${topic}\n`);
        return 1;
      }
      print(opts, letter, formatDetail(topic, letter));
      return 0;
    }),
  );

  filters(
    common(
      dlq
        .command('replay <topic>')
        .description('publish letters back to their source topic, then remove them'),
    ),
  )
    .option('--rate <n>', 'most letters per second', positive('--rate'))
    .option('--limit <n>', 'replay at most this many letters', positive('--limit'))
    .option('--dry-run', 'say what would be replayed; change nothing')
    .action(
      run(async (ops, topic, opts) => {
        const o = opts as Common & LetterFilter & { rate?: number; limit?: number; dryRun?: boolean };
        const stop = new AbortController();
        const interrupt = (): void => stop.abort();
        process.once('SIGINT', interrupt);
        try {
          const report = await ops.replay(topic, {
            reason: o.reason,
            since: o.since,
            ratePerSecond: o.rate,
            limit: o.limit,
            dryRun: o.dryRun,
            signal: stop.signal,
          });
          print(opts, report, formatReplay(report));
          if (report.matched === 0) io.err(`polybus dlq: no letter on ${topic} matched\n`);
          return report.matched === 0 ? 1 : 0;
        } finally {
          process.removeListener('SIGINT', interrupt);
        }
      }),
    );

  filters(
    common(dlq.command('purge <topic>').description('remove letters for good (on Kafka only a prefix)')),
  )
    .option('--yes', 'really remove them')
    .action(
      run(async (ops, topic, opts) => {
        const o = opts as Common & LetterFilter & { yes?: boolean };
        if (!o.yes) {
          io.err(
            `polybus dlq: purge removes letters of ${topic} for good; add --yes to do it (see 'polybus dlq list')\n`,
          );
          return 2;
        }
        const report = await ops.purge(topic, { reason: o.reason, since: o.since });
        print(opts, report, formatPurge(report));
        if (report.matched === 0) io.err(`polybus dlq: no letter on ${topic} matched\n`);
        return report.matched === 0 ? 1 : 0;
      }),
    );

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    io.err(`polybus: ${describe(error)}\n`);
    return 2;
  }
  return code;
}

async function withOperations(
  io: CliIo,
  url: string | undefined,
  work: (ops: DeadLetterOperations) => Promise<number>,
): Promise<number> {
  if (!url) {
    io.err('polybus dlq: give the broker with --url (or POLYBUS_URL), e.g. --url kafka://127.0.0.1:9092\n');
    return 2;
  }
  let ops: DeadLetterOperations | undefined;
  try {
    ops = await deadLetterOperations(url, { logger: stderrLogger(io) });
    return await work(ops);
  } catch (error) {
    io.err(`polybus dlq: ${describe(error)}\n`);
    return 2;
  } finally {
    await ops?.close().catch(() => undefined);
  }
}

const describe = (error: unknown): string =>
  PolybusError.is(error) || error instanceof Error ? error.message : String(error);

function positive(flag: string): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a number > 0`);
    return n;
  };
}

/** Warnings and errors of the broker client, one line each on stderr; the rest is not shown. */
function stderrLogger(io: CliIo): Logger {
  const line = (level: string) => (message: string) => io.err(`polybus: ${level}: ${message}\n`);
  const quiet = (): void => undefined;
  const logger: Logger = {
    debug: quiet,
    info: quiet,
    warn: line('warning'),
    error: line('error'),
    child: () => logger,
  };
  return logger;
}

if (require.main === module)
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
