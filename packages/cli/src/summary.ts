import { Headers } from '@polybus/core';
import type { StoredDeadLetter } from '@polybus/core/transport';
import { errorFingerprint } from './fingerprint';
import { failedAt } from './filter';

/** Letters of one reason that failed with the same error, numbers and ids aside. */
export interface DeadLetterGroup {
  readonly reason: string;
  /** `polybus-dlq-error` with numbers, ids and hex normalised away (see `errorFingerprint`). */
  readonly fingerprint: string;
  /** The error text of the group's oldest letter, as it was. */
  readonly example: string;
  /** That letter's message id: what `dlq show` takes to see one of the group in full. */
  readonly exampleId: string;
  readonly count: number;
  /** ISO times of the group's oldest and newest failure; undefined when no letter says when. */
  readonly oldest?: string;
  readonly newest?: string;
  /** Source topics of the group's letters (`polybus-dlq-source`). */
  readonly sources: readonly string[];
}

export interface DeadLetterListing {
  readonly topic: string;
  readonly total: number;
  /** Largest group first. */
  readonly groups: readonly DeadLetterGroup[];
}

interface Tally {
  reason: string;
  fingerprint: string;
  example: string;
  exampleId: string;
  count: number;
  min?: number;
  max?: number;
  sources: Set<string>;
}

/** Letters counted as they are read, page by page: a long topic is never held in memory. */
export class Summary {
  private readonly groups = new Map<string, Tally>();
  private total = 0;

  add(letter: StoredDeadLetter): void {
    this.total++;
    const headers = letter.message.headers;
    const reason = headers[Headers.dlqReason] ?? '(no reason)';
    const fingerprint = errorFingerprint(headers[Headers.dlqError]);
    const key = `${reason}\n${fingerprint}`;
    let group = this.groups.get(key);
    if (!group) {
      const example = headers[Headers.dlqError] ?? '';
      group = { reason, fingerprint, example, exampleId: letter.message.id, count: 0, sources: new Set() };
      this.groups.set(key, group);
    }
    group.count++;
    const source = headers[Headers.dlqSource];
    if (source) group.sources.add(source);
    const at = failedAt(letter);
    if (at === undefined) return;
    if (group.min === undefined || at < group.min) {
      group.min = at;
      group.example = headers[Headers.dlqError] ?? '';
      group.exampleId = letter.message.id;
    }
    if (group.max === undefined || at > group.max) group.max = at;
  }

  listing(topic: string): DeadLetterListing {
    const groups = [...this.groups.values()].sort((a, b) => b.count - a.count || (a.min ?? 0) - (b.min ?? 0));
    return {
      topic,
      total: this.total,
      groups: groups.map((g) => ({
        reason: g.reason,
        fingerprint: g.fingerprint,
        example: g.example,
        exampleId: g.exampleId,
        count: g.count,
        ...(g.min === undefined
          ? {}
          : { oldest: new Date(g.min).toISOString(), newest: new Date(g.max!).toISOString() }),
        sources: [...g.sources].sort(),
      })),
    };
  }
}
