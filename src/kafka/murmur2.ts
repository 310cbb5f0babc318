import { randomInt } from 'node:crypto';

/**
 * Kafka's murmur2 (the Java client's `Utils.murmur2`), on 32-bit integers.
 *
 * kafkajs's own copy does the same arithmetic on BigInts that are never cut back to 32 bits, so
 * they grow by 32 bits per 4-byte block and hashing is quadratic in the key length (a 256 KiB
 * key held the event loop for seconds). The low 32 bits of each step are all the algorithm
 * uses, so `Math.imul` gives identical results in linear time.
 */
export function murmur2(key: Buffer | string): number {
  const data = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const length = data.length;
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ length) | 0;
  const blocks = length >>> 2;
  for (let i = 0; i < blocks; i++) {
    const at = i * 4;
    let k = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = blocks * 4;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

const toPositive = (x: number) => x & 0x7fffffff;

export interface PartitionerArgs {
  topic: string;
  partitionMetadata: ReadonlyArray<{ partitionId: number; leader: number }>;
  message: { key?: Buffer | string | null; partition?: number | null };
}

/**
 * The Java client's (and kafkajs's DefaultPartitioner's) placement: an explicit partition wins,
 * a key goes to murmur2(key) mod partitions, keyless messages round-robin over partitions with
 * a leader, starting at a random one per topic.
 */
export function javaCompatiblePartitioner(): (args: PartitionerArgs) => number {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }) => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    const count = partitionMetadata.length;
    if (message.key !== null && message.key !== undefined) return toPositive(murmur2(message.key)) % count;
    const next = (counters.get(topic) ?? randomInt(0x7fffffff)) + 1;
    counters.set(topic, next);
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    if (available.length > 0) return available[toPositive(next) % available.length]!.partitionId;
    return toPositive(next) % count;
  };
}
