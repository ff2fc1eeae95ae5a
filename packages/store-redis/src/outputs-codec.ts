import type { TransportMessage } from '@polybus/core';

/** One kept output as JSON: a Buffer payload travels as base64 (`b`), a string payload as is (`s`). */
interface StoredOutput {
  id: string;
  topic: string;
  key?: string;
  headers: Record<string, string>;
  timestamp: number;
  s?: string;
  b?: string;
}

/** The JSON kept with a completion mark; restores each message exactly (payload type, key, headers). */
export function encodeOutputs(outputs: readonly TransportMessage[]): string {
  const stored = outputs.map((m): StoredOutput => {
    const o: StoredOutput = { id: m.id, topic: m.topic, headers: m.headers, timestamp: m.timestamp };
    if (m.key !== undefined) o.key = m.key;
    if (typeof m.payload === 'string') o.s = m.payload;
    else o.b = m.payload.toString('base64');
    return o;
  });
  return JSON.stringify(stored);
}

export function decodeOutputs(json: string): TransportMessage[] {
  const stored = JSON.parse(json) as StoredOutput[];
  return stored.map((o) => {
    const m: { -readonly [K in keyof TransportMessage]: TransportMessage[K] } = {
      id: o.id,
      topic: o.topic,
      headers: o.headers,
      timestamp: o.timestamp,
      payload: o.b !== undefined ? Buffer.from(o.b, 'base64') : (o.s ?? ''),
    };
    if (o.key !== undefined) m.key = o.key;
    return m;
  });
}
