import { PolybusError } from '@polybus/core';
import { parseCliArgs, USAGE } from './cli/parse-args';
import { formatReport } from './cli/format-table';
import { runWorkload } from './workload/runner';

/** Exit codes: 0 every rule held, 1 a rule was broken, 2 the run could not be made (usage, a worker failed). */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let args;
  try {
    args = parseCliArgs(argv, env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    const result = await runWorkload(args.options, args.profile, {
      log: (line) => process.stderr.write(`polybus-verify: ${line}\n`),
    });
    process.stdout.write(`${args.json ? JSON.stringify(result, null, 2) : formatReport(result)}\n`);
    return result.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`polybus-verify: ${PolybusError.is(error) ? error.message : String(error)}\n`);
    return 2;
  }
}

if (require.main === module)
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
