import { randomFillSync } from 'node:crypto';

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const POOL_SIZE = 16 * 512;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;
let lastMs = -1;
let prefix = '';
let sequence = 0;

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter so that ids made in the same
 * millisecond by this process still sort in creation order, then random bits. The time prefix is
 * formatted once per millisecond: ids are made on every publish.
 */
export function uuidv7(now: number = Date.now()): string {
  if (poolOffset === POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const r = poolOffset;
  poolOffset += 16;
  if (now <= lastMs) {
    sequence = (sequence + 1) & 0xfff;
    if (sequence === 0) setPrefix(lastMs + 1); // counter wrapped: borrow the next millisecond
  } else {
    setPrefix(now);
    sequence = pool[r] & 0x7ff; // a random start keeps ids of different processes apart
  }
  return (
    prefix +
    HEX[sequence >> 8].slice(1) +
    HEX[sequence & 0xff] +
    '-' +
    HEX[0x80 | (pool[r + 2] & 0x3f)] +
    HEX[pool[r + 3]] +
    '-' +
    HEX[pool[r + 4]] +
    HEX[pool[r + 5]] +
    HEX[pool[r + 6]] +
    HEX[pool[r + 7]] +
    HEX[pool[r + 8]] +
    HEX[pool[r + 9]]
  );
}

function setPrefix(ms: number): void {
  lastMs = ms;
  const hex = ms.toString(16).padStart(12, '0');
  prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7`;
}
