/**
 * Differential test of the consumer group protocol (KIP-848): every scenario in
 * kip848-scenarios.ts sends the same raw ConsumerGroupHeartbeat/ConsumerGroupDescribe (and
 * OffsetCommit v9, OffsetFetch v9, ListGroups v5, classic group) requests to a fresh embedded
 * broker and to Apache Kafka 4.4.0, the first release line with the protocol on by default, and
 * compares the decoded answers field by field after the shared allow-list normaliser
 * (compare.ts; the reasons are in docs/compatibility.md).
 */
import { differentialSuite } from './compare.js';
import { kip848Scenarios } from './kip848-scenarios.js';

differentialSuite('4.4.0', kip848Scenarios);
