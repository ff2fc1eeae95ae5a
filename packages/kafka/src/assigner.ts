import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/**
 * Round robin over the members subscribed to each topic. Every Polybus binding is its own member, so
 * one group (say `billing`) holds members of different topics; kafkajs's own assigners assume every
 * member subscribes to the same topics and would hand a topic's partitions to members that never
 * asked for it (or leave them unassigned).
 */
export const subscriptionAwareAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'PolybusSubscriptionRoundRobin',
  version: 0,

  async assign({ members }) {
    const membersByTopic = new Map<string, string[]>();
    for (const member of members) {
      const metadata = AssignerProtocol.MemberMetadata.decode(member.memberMetadata);
      for (const topic of metadata?.topics ?? []) {
        const list = membersByTopic.get(topic) ?? [];
        list.push(member.memberId);
        membersByTopic.set(topic, list);
      }
    }
    const topics = [...membersByTopic.keys()].sort();
    // The leader knows partition counts only of its own topics until it asks for the others.
    await cluster.addMultipleTargetTopics(topics);
    const assignment = new Map<string, Record<string, number[]>>(members.map((m) => [m.memberId, {}]));
    let turn = 0;
    for (const topic of topics) {
      const subscribers = membersByTopic.get(topic)!.sort();
      const partitions = cluster
        .findTopicPartitionMetadata(topic)
        .map((p) => p.partitionId)
        .sort((a, b) => a - b);
      for (const partition of partitions) {
        const owner = assignment.get(subscribers[turn++ % subscribers.length])!;
        (owner[topic] ??= []).push(partition);
      }
    }
    return [...assignment].map(([memberId, topicsOfMember]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: this.version,
        assignment: topicsOfMember,
        userData: Buffer.alloc(0),
      }),
    }));
  },

  protocol({ topics }) {
    return {
      name: this.name,
      metadata: AssignerProtocol.MemberMetadata.encode({
        version: this.version,
        topics,
        userData: Buffer.alloc(0),
      }),
    };
  },
});
