import type { TransportMessage } from '../message';
import { MemoryGroup } from './memory-group';
import type { Entry } from './memory-lease';

interface Topic {
  readonly groups: Map<string, MemoryGroup>;
  /** Kept only while the topic has no group yet; the first group to appear takes them. */
  backlog: Entry[];
}

export interface MemoryGroupStats {
  topic: string;
  group: string;
  /** Waiting to be delivered (ready, blocked behind their key, or delayed-but-due). */
  depth: number;
  inFlight: number;
}

export interface MemoryGroupSettings {
  leaseMs: number;
  dropAck: () => boolean;
  duplicate: () => boolean;
}

/**
 * One in-process broker. Every transport created for the same namespace shares it, as clients of
 * one real broker do: fan-out across groups, competing consumers within a group.
 */
export class MemoryBroker {
  private readonly topics = new Map<string, Topic>();
  private seq = 0;

  publish(message: TransportMessage): void {
    const topic = this.topic(message.topic);
    const seq = ++this.seq;
    if (topic.groups.size === 0) {
      topic.backlog.push({ message, seq, attempt: 1 });
      return;
    }
    for (const group of topic.groups.values()) group.enqueue({ message, seq, attempt: 1 });
  }

  group(topicName: string, groupName: string, settings: MemoryGroupSettings): MemoryGroup {
    const topic = this.topic(topicName);
    let group = topic.groups.get(groupName);
    if (!group) {
      group = new MemoryGroup(settings.leaseMs, settings.dropAck, settings.duplicate);
      topic.groups.set(groupName, group);
      if (topic.groups.size === 1) {
        for (const entry of topic.backlog) group.enqueue(entry);
        topic.backlog = [];
      }
    }
    return group;
  }

  stats(): MemoryGroupStats[] {
    const out: MemoryGroupStats[] = [];
    for (const [topic, t] of this.topics) {
      if (t.groups.size === 0 && t.backlog.length > 0)
        out.push({ topic, group: '', depth: t.backlog.length, inFlight: 0 });
      for (const [group, g] of t.groups) out.push({ topic, group, depth: g.depth, inFlight: g.inFlight });
    }
    return out;
  }

  private topic(name: string): Topic {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = { groups: new Map(), backlog: [] };
      this.topics.set(name, topic);
    }
    return topic;
  }
}

const brokers = new Map<string, MemoryBroker>();

/** The shared broker of a namespace (`memory://name`); created on first use. */
export function memoryBroker(namespace = 'default'): MemoryBroker {
  let broker = brokers.get(namespace);
  if (!broker) {
    broker = new MemoryBroker();
    brokers.set(namespace, broker);
  }
  return broker;
}
