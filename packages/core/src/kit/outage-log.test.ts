import type { Logger } from '../logger';
import { OutageLog } from './outage-log';

function recorder(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('OutageLog', () => {
  const messages = { lost: 'x: receive failed, retrying', back: 'x: receive recovered' };

  it('warns on the first failure only, then says once that it recovered', () => {
    const { logger, lines } = recorder();
    const log = new OutageLog(logger, messages, { queue: 'q' });
    log.succeeded(); // nothing was down: nothing to say
    for (let i = 0; i < 5; i++) log.failed(new Error('ECONNREFUSED'));
    expect(log.down).toBe(true);
    log.succeeded();
    log.succeeded();
    expect(log.down).toBe(false);
    expect(lines.filter((l) => l.startsWith('warn'))).toEqual([
      'warn x: receive failed, retrying {"queue":"q","error":"ECONNREFUSED"}',
    ]);
    expect(lines.filter((l) => l.startsWith('debug'))).toHaveLength(4);
    expect(lines.filter((l) => l.startsWith('info'))).toEqual([
      expect.stringMatching(/^info x: receive recovered \{"queue":"q","failures":5,"outageMs":\d+\}$/),
    ]);
  });

  it('warns again for a second outage', () => {
    const { logger, lines } = recorder();
    const log = new OutageLog(logger, messages);
    log.failed('a');
    log.succeeded();
    log.failed('b');
    expect(lines.filter((l) => l.startsWith('warn'))).toHaveLength(2);
  });
});
