import type { CommittedOffsetRecord, GroupOffsetStore, OffsetCommitEntry } from './types.js';
import { partitionKey } from '../protocol/topic-partition.js';

/**
 * Committed offsets kept in a Map only. Lets the coordinator run without a data directory (unit
 * tests, throw-away brokers); the broker itself uses the durable OffsetStore.
 */
export class MemoryOffsetStore implements GroupOffsetStore {
  private readonly byGroup = new Map<string, Map<string, { topic: string; partition: number; committed: CommittedOffsetRecord }>>();

  async commit(group: string, entries: OffsetCommitEntry[]): Promise<void> {
    let g = this.byGroup.get(group);
    if (!g) this.byGroup.set(group, (g = new Map()));
    const now = Date.now();
    for (const e of entries) {
      g.set(partitionKey(e.topic, e.partition), {
        topic: e.topic,
        partition: e.partition,
        committed: { offset: e.offset, metadata: e.metadata, commitTimestamp: now },
      });
    }
  }

  get(group: string, topic: string, partition: number): CommittedOffsetRecord | undefined {
    return this.byGroup.get(group)?.get(partitionKey(topic, partition))?.committed;
  }

  forGroup(group: string): { topic: string; partition: number; committed: CommittedOffsetRecord }[] {
    return [...(this.byGroup.get(group)?.values() ?? [])];
  }

  groups(): string[] {
    return [...this.byGroup.keys()];
  }

  async deleteGroup(group: string): Promise<void> {
    this.byGroup.delete(group);
  }

  async deletePartitions(group: string, partitions: { topic: string; partition: number }[]): Promise<void> {
    const g = this.byGroup.get(group);
    if (!g) return;
    for (const p of partitions) g.delete(partitionKey(p.topic, p.partition));
    if (g.size === 0) this.byGroup.delete(group);
  }

  async deleteTopic(topic: string): Promise<void> {
    for (const [group, g] of this.byGroup) {
      for (const [k, v] of g) if (v.topic === topic) g.delete(k);
      if (g.size === 0) this.byGroup.delete(group);
    }
  }
}
