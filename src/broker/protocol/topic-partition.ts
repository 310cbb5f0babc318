/**
 * The one key for "this partition of this topic" in maps and sets, broker and app alike (the app
 * takes it from src/broker/index.ts). NUL cannot occur in a topic name (see topic-name.ts), so
 * no two pairs share a key, and a topic's keys share a prefix.
 */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** What every partitionKey() of `topic` starts with. */
export function topicKeyPrefix(topic: string): string {
  return `${topic}\u0000`;
}
