/**
 * Differential test of the consumer group protocol (KIP-848): every scenario in
 * kip848-scenarios.ts sends the same raw ConsumerGroupHeartbeat/ConsumerGroupDescribe (and
 * OffsetCommit v9, OffsetFetch v9, ListGroups v5, classic group) requests to a fresh embedded
 * broker and to Apache Kafka 4.4.0, the first release line with the protocol on by default, and
 * compares the decoded answers field by field after the shared allow-list normaliser
 * (compare.ts; the reasons are in docs/compatibility.md).
 */
import { after, before, describe, test } from 'node:test';
import { compareScenario, startBrokers, suiteTitle, type Brokers, type Intentional } from './compare.js';
import { kip848Scenarios } from './kip848-scenarios.js';

/** The deliberate differences, each one field of one scenario (docs/compatibility.md says why). */
const INTENTIONAL: Intentional[] = [
  {
    scenario: 'ConsumerGroupHeartbeat: a wrong epoch (fenced), an unknown member, an unknown group',
    path: 'unknownGroup.errorCode',
    embedded: 25, // UNKNOWN_MEMBER_ID
    kafka: 69, // GROUP_ID_NOT_FOUND
    why: 'groups are not persisted: after a restart every group is unknown, and the Java client treats GROUP_ID_NOT_FOUND as fatal but rejoins on UNKNOWN_MEMBER_ID',
  },
  {
    scenario: 'JoinGroup (classic) to a live consumer group: another protocol type is inconsistent, a classic consumer',
    path: 'classicConsumer',
    embedded: { errorCode: 23, memberIdGiven: false }, // INCONSISTENT_GROUP_PROTOCOL
    kafka: { errorCode: 79, memberIdGiven: true }, // MEMBER_ID_REQUIRED: the first step of an online migration
    why: 'no online migration between the protocols: a classic member cannot join a consumer group with members',
  },
];

const VERSION = '4.4.0';

let brokers: Brokers | undefined;
before(async () => {
  brokers = await startBrokers(VERSION, INTENTIONAL, kip848Scenarios);
});
after(() => brokers?.cleanup());

describe(suiteTitle(VERSION), () => {
  for (const s of kip848Scenarios) test(s.name, { timeout: 120_000 }, () => compareScenario(brokers!, s, INTENTIONAL));
});
