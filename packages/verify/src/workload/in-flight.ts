import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const TAIL_BYTES = 512;

/**
 * Resolves true as soon as the last line of the publisher's ledger is a `publish-attempted` (a
 * publish is in flight: written, not yet acked or rejected), false after `withinMs` without one.
 * A kill right then is the one the checker must judge with care: the broker may have the message.
 */
export async function publishInFlight(ledgerPath: string, withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if (lastLine(ledgerPath).includes('"type":"publish-attempted"')) return true;
    await sleep(1);
  }
  return false;
}

function lastLine(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').trimEnd().split('\n');
    return lines[lines.length - 1] ?? '';
  } finally {
    closeSync(fd);
  }
}
