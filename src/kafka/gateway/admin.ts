import type { Admin, Kafka } from 'kafkajs';
import { GroupNotEmptyError, withRefusalReason } from './errors.js';
import { decodeMember } from './member-metadata.js';
import type { AdminHandle, GatewayOptions } from './types.js';

export function createAdminHandle(kafka: Kafka, opts: GatewayOptions): AdminHandle {
  const admin: Admin = kafka.admin({ retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 } });
  return {
    connect: () => admin.connect(),
    disconnect: () => admin.disconnect(),
    listTopics: () => admin.listTopics(),
    async topicOffsets(topic) {
      const rows = await admin.fetchTopicOffsets(topic);
      return rows.map((r) => ({ partition: r.partition, low: r.low, high: r.high })).sort((a, b) => a.partition - b.partition);
    },
    async offsetsForTimestamp(topic, timestamp) {
      const rows = await admin.fetchTopicOffsetsByTimestamp(topic, timestamp);
      return rows.map((r) => ({ partition: r.partition, offset: r.offset })).sort((a, b) => a.partition - b.partition);
    },
    async listGroups() {
      const { groups } = await admin.listGroups();
      return groups.map((g) => g.groupId).sort();
    },
    async describeGroups(groupIds) {
      if (groupIds.length === 0) return [];
      const { groups } = await admin.describeGroups(groupIds);
      return groups.map((g) => ({
        groupId: g.groupId,
        state: g.state,
        protocolType: g.protocolType,
        protocol: g.protocol,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          ...decodeMember(g.protocolType, m.memberMetadata, m.memberAssignment),
        })),
      }));
    },
    async committedOffsets(groupId, topics) {
      if (topics.length === 0) return [];
      const rows = await admin.fetchOffsets({ groupId, topics });
      return rows.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset })));
    },
    createTopic: (topic, partitions) =>
      withRefusalReason(opts, { kind: 'topic', topic, partitions }, async () => {
        // Not kafkajs's waitForLeaders: it fails on the UNKNOWN_TOPIC_OR_PARTITION that Apache
        // Kafka answers until the new topic's metadata has reached the broker asked (KRaft
        // applies it asynchronously), reporting an error for a topic that was created.
        const created = await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: false });
        const until = Date.now() + 10_000;
        while (created && Date.now() < until) {
          try {
            const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
            const found = topics[0]?.partitions ?? [];
            if (found.length === partitions && found.every((p) => p.leader >= 0)) break;
          } catch {
            // not known to this broker yet
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        return created;
      }),
    async createPartitions(topic, count) {
      await withRefusalReason(opts, { kind: 'partitions', topic, count }, () => admin.createPartitions({ topicPartitions: [{ topic, count }] }));
    },
    async setOffsets(groupId, topic, offsets, partitionCount) {
      // kafkajs's admin.setOffsets does the same dance, but its throw-away consumer waits a
      // full default fetch wait (5 s) before it stops. This one commits right after joining.
      const member = kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false, retry: { retries: 2, restartOnFailure: async () => false } });
      let joined!: (assigned: number[]) => void;
      let failed!: (err: Error) => void;
      const join = new Promise<number[]>((resolve, reject) => {
        joined = resolve;
        failed = reject;
      });
      member.on(member.events.GROUP_JOIN, (e) => joined([...((e.payload.memberAssignment as Record<string, number[]>)[topic] ?? [])]));
      member.on(member.events.CRASH, (e) => failed(e.payload.error));
      try {
        await member.connect();
        await member.subscribe({ topics: [topic], fromBeginning: true });
        await member.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => {} });
        const assigned = await join;
        member.pause([{ topic }]);
        // Sole member means every partition is ours; anything less means someone joined
        // since the Empty check, and committing now would move offsets under their feet.
        if (assigned.length < partitionCount) throw new GroupNotEmptyError(groupId);
        await member.commitOffsets(offsets.map((o) => ({ topic, partition: o.partition, offset: o.offset })));
      } finally {
        await member.disconnect().catch(() => {});
      }
    },
    async deleteGroup(groupId) {
      await admin.deleteGroups([groupId]);
    },
  };
}
