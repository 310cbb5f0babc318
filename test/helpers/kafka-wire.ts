/**
 * The tests' raw Kafka client: one request per API at one fixed version, written from the Kafka
 * message specs (clients/src/main/resources/common/message/*.json) with the broker's own
 * Writer/Reader primitives, and each response decoded into a plain object. The differential test
 * (test/compat/differential) sends the same requests to the embedded broker and to Apache Kafka
 * and compares the objects with deepStrictEqual; broker tests use it to speak the protocol by hand.
 *
 * Versions are flexible ones both brokers support (Kafka 3.9.1 and the embedded broker), so the
 * compact encodings and tagged fields are on the wire too.
 */
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { Reader } from '../../src/broker/protocol/reader.js';
import { Writer } from '../../src/broker/protocol/writer.js';
import { crc32c } from '../../src/broker/protocol/crc32c.js';
import { encodeRecordBatch, type NewRecord, type EncodeBatchOptions } from '../../src/broker/protocol/record-batch.js';
import { RawConnection, requestFrame } from './raw-client.js';

const gzip = promisify(gzipCb);

export const V = {
  Produce: 9,
  Fetch: 12,
  ListOffsets: 7,
  Metadata: 9,
  OffsetCommit: 8,
  OffsetFetch: 7,
  OffsetDelete: 0,
  FindCoordinator: 4,
  JoinGroup: 7,
  Heartbeat: 4,
  LeaveGroup: 4,
  SyncGroup: 5,
  DescribeGroups: 5,
  ListGroups: 4,
  ApiVersions: 3,
  CreateTopics: 5,
  DeleteTopics: 4,
  DeleteRecords: 2,
  InitProducerId: 4,
  DescribeConfigs: 4,
  CreatePartitions: 2,
  DeleteGroups: 2,
  // KIP-848 (kip848.test.ts, against Kafka 4.4.0): the versions that carry the new protocol's fields.
  MetadataIds: 12,
  OffsetCommitEpoch: 9,
  OffsetFetchGroups: 9,
  ListGroupsTypes: 5,
} as const;

/** A ConsumerGroupHeartbeat request; omitted fields take the spec's defaults ("no change"). */
export interface HeartbeatReq {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId?: string | null;
  rackId?: string | null;
  rebalanceTimeoutMs?: number;
  subscribedTopicNames?: string[] | null;
  /** v1+ only. */
  subscribedTopicRegex?: string | null;
  serverAssignor?: string | null;
  topicPartitions?: { topicId: string; partitions: number[] }[] | null;
}

const byPartition = (a: number, b: number) => a - b;

type Enc = (w: Writer) => void;

export class Wire {
  private correlation = 1;
  private constructor(private readonly conn: RawConnection) {}

  static async connect(address: string): Promise<Wire> {
    const [host, port] = address.split(':');
    return new Wire(await RawConnection.connect(Number(port), host));
  }

  close(): void {
    this.conn.destroy();
  }

  /** Sends one flexible request and decodes its response (header v1: tagged fields after the id). */
  async call<T>(apiKey: number, version: number, enc: Enc, dec: (r: Reader) => T, timeoutMs = 30_000): Promise<T> {
    const w = new Writer(256).flex(true);
    enc(w);
    w.tags();
    const id = this.correlation++;
    this.conn.write(requestFrame({ apiKey, apiVersion: version, correlationId: id, clientId: 'differential', flexibleHeader: true }, w.toBuffer()));
    const res = await this.conn.nextResponse(timeoutMs);
    if (res.correlationId !== id) throw new Error(`correlation ${res.correlationId} != ${id}`);
    const r = res.body;
    r.flexible = true;
    if (apiKey !== 18) r.tags();
    return dec(r);
  }

  /** acks=0: no response comes; a following request's answer proves the broker read it. */
  send(apiKey: number, version: number, enc: Enc): void {
    const w = new Writer(256).flex(true);
    enc(w);
    w.tags();
    this.conn.write(requestFrame({ apiKey, apiVersion: version, correlationId: this.correlation++, clientId: 'differential', flexibleHeader: true }, w.toBuffer()));
  }

  /** A raw, caller-built frame (unsupported versions and the like); returns the response body. */
  async raw(frame: (correlationId: number) => Buffer): Promise<Reader> {
    const id = this.correlation++;
    this.conn.write(frame(id));
    const res = await this.conn.nextResponse();
    return res.body;
  }

  // ---- APIs -------------------------------------------------------------------------------

  metadata(topics: string[] | null, autoCreate = false) {
    return this.call(3, V.Metadata, (w) => {
      w.fNullableArray(topics, (w, t) => w.fString(t).tags());
      w.boolean(autoCreate).boolean(false).boolean(false);
    }, (r) => {
      r.int32();
      const brokers = r.fArray((r) => {
        const b = { nodeId: r.int32(), host: r.fString(), port: r.int32(), rack: r.fNullableString() };
        r.tags();
        return b;
      });
      const clusterId = r.fNullableString();
      const controllerId = r.int32();
      const topicsOut = r.fArray((r) => {
        const t = {
          errorCode: r.int16(),
          name: r.fString(),
          isInternal: r.boolean(),
          partitions: r.fArray((r) => {
            const p = { errorCode: r.int16(), index: r.int32(), leader: r.int32(), leaderEpoch: r.int32(), replicas: r.fArray((r) => r.int32()), isr: r.fArray((r) => r.int32()), offline: r.fArray((r) => r.int32()) };
            r.tags();
            return p;
          }).sort((a, b) => a.index - b.index), // allow-listed: Kafka lists partitions in hash order
          authorizedOperations: r.int32(),
        };
        r.tags();
        return t;
      });
      return { brokers, clusterId, controllerId, topics: topicsOut };
    });
  }

  createTopics(topics: { name: string; partitions?: number; replicationFactor?: number; configs?: Record<string, string | null>; assignments?: { index: number; brokers: number[] }[] }[], validateOnly = false) {
    return this.call(19, V.CreateTopics, (w) => {
      w.fArray(topics, (w, t) => {
        w.fString(t.name).int32(t.partitions ?? -1).int16(t.replicationFactor ?? -1);
        w.fArray(t.assignments ?? [], (w, a) => w.int32(a.index).fArray(a.brokers, (w, b) => w.int32(b)).tags());
        w.fArray(Object.entries(t.configs ?? {}), (w, [k, v]) => w.fString(k).fNullableString(v).tags());
        w.tags();
      });
      w.int32(30_000).boolean(validateOnly);
    }, (r) => {
      r.int32();
      return r.fArray((r) => {
        const t = {
          name: r.fString(),
          errorCode: r.int16(),
          errorMessage: r.fNullableString(),
          numPartitions: r.int32(),
          replicationFactor: r.int16(),
          configs: r.fNullableArray((r) => {
            const c = { name: r.fString(), value: r.fNullableString(), readOnly: r.boolean(), source: r.int8(), sensitive: r.boolean() };
            r.tags();
            return c;
          }),
        };
        r.tags();
        return t;
      });
    });
  }

  deleteTopics(names: string[]) {
    return this.call(20, V.DeleteTopics, (w) => {
      w.fArray(names, (w, n) => w.fString(n));
      w.int32(30_000);
    }, (r) => {
      r.int32();
      return r.fArray((r) => {
        const t = { name: r.fString(), errorCode: r.int16() };
        r.tags();
        return t;
      }).sort((a, b) => a.name.localeCompare(b.name)); // allow-listed: Kafka answers in no set order
    });
  }

  createPartitions(topics: { name: string; count: number }[], validateOnly = false) {
    return this.call(37, V.CreatePartitions, (w) => {
      w.fArray(topics, (w, t) => w.fString(t.name).int32(t.count).fNullableArray(null, () => undefined).tags());
      w.int32(30_000).boolean(validateOnly);
    }, (r) => {
      r.int32();
      return r.fArray((r) => {
        const t = { name: r.fString(), errorCode: r.int16(), errorMessage: r.fNullableString() };
        r.tags();
        return t;
      });
    });
  }

  produce(topic: string, partition: number, batch: Buffer, acks = -1) {
    const enc: Enc = (w) => {
      w.fNullableString(null).int16(acks).int32(30_000);
      w.fArray([topic], (w, t) => {
        w.fString(t);
        w.fArray([partition], (w, p) => w.int32(p).fNullableBytes(batch).tags());
        w.tags();
      });
    };
    return this.call(0, V.Produce, enc, (r) => {
      const topics = r.fArray((r) => {
        const t = {
          name: r.fString(),
          partitions: r.fArray((r) => {
            const p = {
              index: r.int32(),
              errorCode: r.int16(),
              baseOffset: r.int64(),
              logAppendTime: r.int64(),
              logStartOffset: r.int64(),
              recordErrors: r.fArray((r) => {
                const e = { batchIndex: r.int32(), message: r.fNullableString() };
                r.tags();
                return e;
              }),
              errorMessage: r.fNullableString(),
            };
            r.tags();
            return p;
          }),
        };
        r.tags();
        return t;
      });
      r.int32();
      return topics[0]!.partitions[0]!;
    });
  }

  produceAcks0(topic: string, partition: number, batch: Buffer): void {
    this.send(0, V.Produce, (w) => {
      w.fNullableString(null).int16(0).int32(30_000);
      w.fArray([topic], (w, t) => {
        w.fString(t);
        w.fArray([partition], (w, p) => w.int32(p).fNullableBytes(batch).tags());
        w.tags();
      });
    });
  }

  fetch(topic: string, partition: number, offset: bigint, maxWaitMs = 0, minBytes = 1) {
    return this.call(1, V.Fetch, (w) => {
      w.int32(-1).int32(maxWaitMs).int32(minBytes).int32(1 << 20).int8(0).int32(0).int32(-1);
      w.fArray([topic], (w, t) => {
        w.fString(t);
        w.fArray([partition], (w, p) => w.int32(p).int32(-1).int64(offset).int32(-1).int64(-1n).int32(1 << 20).tags());
        w.tags();
      });
      w.fArray([], () => undefined);
      w.fString('');
    }, (r) => {
      r.int32();
      const errorCode = r.int16();
      r.int32(); // session id
      const topics = r.fArray((r) => {
        const t = {
          name: r.fString(),
          partitions: r.fArray((r) => {
            const p = {
              index: r.int32(),
              errorCode: r.int16(),
              highWatermark: r.int64(),
              lastStableOffset: r.int64(),
              logStartOffset: r.int64(),
              aborted: r.fNullableArray((r) => {
                const a = { producerId: r.int64(), firstOffset: r.int64() };
                r.tags();
                return a;
              }),
              preferredReadReplica: r.int32(),
              records: r.fNullableBytes(),
            };
            r.tags();
            return p;
          }),
        };
        r.tags();
        return t;
      });
      const p = topics[0]!.partitions[0]!;
      return { topLevelError: errorCode, ...p, records: undefined, batches: p.records ? batchSummaries(p.records) : null };
    }, 30_000 + maxWaitMs);
  }

  listOffsets(topic: string, partitions: { index: number; timestamp: bigint }[], isolation = 0) {
    return this.call(2, V.ListOffsets, (w) => {
      w.int32(-1).int8(isolation);
      w.fArray([topic], (w, t) => {
        w.fString(t);
        w.fArray(partitions, (w, p) => w.int32(p.index).int32(-1).int64(p.timestamp).tags());
        w.tags();
      });
    }, (r) => {
      r.int32();
      const topics = r.fArray((r) => {
        const t = {
          name: r.fString(),
          partitions: r.fArray((r) => {
            const p = { index: r.int32(), errorCode: r.int16(), timestamp: r.int64(), offset: r.int64(), leaderEpoch: r.int32() };
            r.tags();
            return p;
          }),
        };
        r.tags();
        return t;
      });
      return topics[0]!.partitions;
    });
  }

  deleteRecords(topic: string, partitions: { index: number; offset: bigint }[]) {
    return this.call(21, V.DeleteRecords, (w) => {
      w.fArray([topic], (w, t) => {
        w.fString(t);
        w.fArray(partitions, (w, p) => w.int32(p.index).int64(p.offset).tags());
        w.tags();
      });
      w.int32(30_000);
    }, (r) => {
      r.int32();
      const topics = r.fArray((r) => {
        const t = {
          name: r.fString(),
          partitions: r.fArray((r) => {
            const p = { index: r.int32(), lowWatermark: r.int64(), errorCode: r.int16() };
            r.tags();
            return p;
          }),
        };
        r.tags();
        return t;
      });
      return topics[0]!.partitions;
    });
  }

  describeConfigs(resources: { type: number; name: string; configNames: string[] | null }[]) {
    return this.call(32, V.DescribeConfigs, (w) => {
      w.fArray(resources, (w, res) => w.int8(res.type).fString(res.name).fNullableArray(res.configNames, (w, n) => w.fString(n)).tags());
      w.boolean(false).boolean(false);
    }, (r) => {
      r.int32();
      return r.fArray((r) => {
        const res = {
          errorCode: r.int16(),
          errorMessage: r.fNullableString(),
          type: r.int8(),
          name: r.fString(),
          configs: r.fArray((r) => {
            const c = {
              name: r.fString(),
              value: r.fNullableString(),
              readOnly: r.boolean(),
              source: r.int8(),
              sensitive: r.boolean(),
              synonyms: r.fArray((r) => {
                const s = { name: r.fString(), value: r.fNullableString(), source: r.int8() };
                r.tags();
                return s;
              }),
              configType: r.int8(),
              documentation: r.fNullableString(),
            };
            r.tags();
            return c;
          }).sort((a, b) => a.name.localeCompare(b.name)), // allow-listed: Kafka lists them in ConfigDef order
        };
        r.tags();
        return res;
      });
    });
  }

  initProducerId() {
    return this.call(22, V.InitProducerId, (w) => {
      w.fNullableString(null).int32(30_000).int64(-1n).int16(-1);
    }, (r) => {
      r.int32();
      return { errorCode: r.int16(), producerId: r.int64(), producerEpoch: r.int16() };
    });
  }

  findCoordinator(key: string, keyType = 0) {
    return this.call(10, V.FindCoordinator, (w) => {
      w.int8(keyType).fArray([key], (w, k) => w.fString(k));
    }, (r) => {
      r.int32();
      return r.fArray((r) => {
        const c = { key: r.fString(), nodeId: r.int32(), host: r.fString(), port: r.int32(), errorCode: r.int16(), errorMessage: r.fNullableString() };
        r.tags();
        return c;
      });
    });
  }

  joinGroup(group: string, memberId: string, opts: { protocols?: { name: string; metadata: Buffer }[]; protocolType?: string; sessionTimeoutMs?: number; rebalanceTimeoutMs?: number } = {}, timeoutMs = 60_000) {
    return this.call(11, V.JoinGroup, (w) => {
      w.fString(group).int32(opts.sessionTimeoutMs ?? 10_000).int32(opts.rebalanceTimeoutMs ?? 10_000).fString(memberId).fNullableString(null);
      w.fString(opts.protocolType ?? 'consumer');
      w.fArray(opts.protocols ?? [{ name: 'range', metadata: subscription(['t']) }], (w, p) => w.fString(p.name).fBytes(p.metadata).tags());
    }, (r) => {
      r.int32();
      return {
        errorCode: r.int16(),
        generationId: r.int32(),
        protocolType: r.fNullableString(),
        protocolName: r.fNullableString(),
        leader: r.fString(),
        memberId: r.fString(),
        members: r.fArray((r) => {
          const m = { memberId: r.fString(), groupInstanceId: r.fNullableString(), metadata: r.fBytes().toString('hex') };
          r.tags();
          return m;
        }),
      };
    }, timeoutMs);
  }

  syncGroup(group: string, generationId: number, memberId: string, assignments: { memberId: string; assignment: Buffer }[], protocolName: string | null = 'range') {
    return this.call(14, V.SyncGroup, (w) => {
      w.fString(group).int32(generationId).fString(memberId).fNullableString(null).fNullableString('consumer').fNullableString(protocolName);
      w.fArray(assignments, (w, a) => w.fString(a.memberId).fBytes(a.assignment).tags());
    }, (r) => {
      r.int32();
      return { errorCode: r.int16(), protocolType: r.fNullableString(), protocolName: r.fNullableString(), assignment: r.fBytes().toString('hex') };
    });
  }

  heartbeat(group: string, generationId: number, memberId: string) {
    return this.call(12, V.Heartbeat, (w) => {
      w.fString(group).int32(generationId).fString(memberId).fNullableString(null);
    }, (r) => {
      r.int32();
      return { errorCode: r.int16() };
    });
  }

  /** LeaveGroup v4; `instanceIds[i]` (default null) goes with `memberIds[i]`. */
  leaveGroup(group: string, memberIds: string[], instanceIds: (string | null)[] = []) {
    return this.call(13, V.LeaveGroup, (w) => {
      w.fString(group).fArray(memberIds.map((m, i) => [m, instanceIds[i] ?? null] as const), (w, [m, inst]) => w.fString(m).fNullableString(inst).tags());
    }, (r) => {
      r.int32();
      const errorCode = r.int16();
      const members = r.fArray((r) => {
        const m = { memberId: r.fString(), groupInstanceId: r.fNullableString(), errorCode: r.int16() };
        r.tags();
        return m;
      });
      return { errorCode, members };
    });
  }

  offsetCommit(group: string, generationId: number, memberId: string, topic: string, offsets: { index: number; offset: bigint; metadata?: string | null }[]) {
    return this.call(8, V.OffsetCommit, (w) => {
      w.fString(group).int32(generationId).fString(memberId).fNullableString(null);
      w.fArray([topic], (w, t) => {
        w.fString(t);
        w.fArray(offsets, (w, p) => w.int32(p.index).int64(p.offset).int32(-1).fNullableString(p.metadata ?? '').tags());
        w.tags();
      });
    }, (r) => {
      r.int32();
      const topics = r.fArray((r) => {
        const t = {
          name: r.fString(),
          partitions: r.fArray((r) => {
            const p = { index: r.int32(), errorCode: r.int16() };
            r.tags();
            return p;
          }).sort((a, b) => a.index - b.index), // allow-listed: Kafka answers in hash order
        };
        r.tags();
        return t;
      });
      return topics;
    });
  }

  offsetFetch(group: string, topics: { name: string; partitions: number[] }[] | null) {
    return this.call(9, V.OffsetFetch, (w) => {
      w.fString(group);
      w.fNullableArray(topics, (w, t) => w.fString(t.name).fArray(t.partitions, (w, p) => w.int32(p)).tags());
      w.boolean(false);
    }, (r) => {
      r.int32();
      const topicsOut = r.fArray((r) => {
        const t = {
          name: r.fString(),
          partitions: r.fArray((r) => {
            const p = { index: r.int32(), offset: r.int64(), leaderEpoch: r.int32(), metadata: r.fNullableString(), errorCode: r.int16() };
            r.tags();
            return p;
          }).sort((a, b) => a.index - b.index), // allow-listed: the order of a whole group's offsets
        };
        r.tags();
        return t;
      });
      return { topics: topicsOut, errorCode: r.int16() };
    });
  }

  describeGroups(groups: string[]) {
    return this.call(15, V.DescribeGroups, (w) => {
      w.fArray(groups, (w, g) => w.fString(g)).boolean(false);
    }, (r) => {
      r.int32();
      return r.fArray((r) => {
        const g = {
          errorCode: r.int16(),
          groupId: r.fString(),
          state: r.fString(),
          protocolType: r.fString(),
          protocol: r.fString(),
          members: r.fArray((r) => {
            const m = { memberId: r.fString(), groupInstanceId: r.fNullableString(), clientId: r.fString(), clientHost: r.fString(), metadata: r.fBytes().toString('hex'), assignment: r.fBytes().toString('hex') };
            r.tags();
            return m;
          }),
          authorizedOperations: r.int32(),
        };
        r.tags();
        return g;
      });
    });
  }

  listGroups(states: string[] = []) {
    return this.call(16, V.ListGroups, (w) => {
      w.fArray(states, (w, s) => w.fString(s));
    }, (r) => {
      r.int32();
      const errorCode = r.int16();
      const groups = r.fArray((r) => {
        const g = { groupId: r.fString(), protocolType: r.fString(), state: r.fString() };
        r.tags();
        return g;
      });
      return { errorCode, groups };
    });
  }

  // ---- KIP-848 -----------------------------------------------------------------------------

  /** Metadata v12: the topic ids (name -> id) of `topics`, which the new protocol speaks in. */
  topicIds(topics: string[]) {
    return this.call(3, V.MetadataIds, (w) => {
      w.fArray(topics, (w, t) => w.uuid('00000000-0000-0000-0000-000000000000').fNullableString(t).tags());
      w.boolean(false).boolean(false);
    }, (r) => {
      r.int32();
      r.fArray((r) => {
        r.int32(); r.fString(); r.int32(); r.fNullableString();
        r.tags();
      });
      r.fNullableString();
      r.int32();
      const out = new Map<string, { errorCode: number; topicId: string; partitions: number }>();
      r.fArray((r) => {
        const errorCode = r.int16();
        const name = r.fNullableString();
        const topicId = r.uuid();
        r.boolean();
        const partitions = r.fArray((r) => {
          r.int16(); r.int32(); r.int32(); r.int32(); r.fArray((r) => r.int32()); r.fArray((r) => r.int32()); r.fArray((r) => r.int32());
          r.tags();
        }).length;
        r.int32();
        r.tags();
        out.set(name ?? '', { errorCode, topicId, partitions });
      });
      return out;
    });
  }

  /** ConsumerGroupHeartbeat (API 68) v0 or v1 (v1 adds SubscribedTopicRegex). */
  consumerGroupHeartbeat(req: HeartbeatReq, version = 1) {
    return this.call(68, version, (w) => {
      w.fString(req.groupId).fString(req.memberId).int32(req.memberEpoch);
      w.fNullableString(req.instanceId ?? null).fNullableString(req.rackId ?? null).int32(req.rebalanceTimeoutMs ?? -1);
      w.fNullableArray(req.subscribedTopicNames ?? null, (w, t) => w.fString(t));
      if (version >= 1) w.fNullableString(req.subscribedTopicRegex ?? null);
      w.fNullableString(req.serverAssignor ?? null);
      w.fNullableArray(req.topicPartitions ?? null, (w, tp) => w.uuid(tp.topicId).fArray(tp.partitions, (w, p) => w.int32(p)).tags());
    }, (r) => {
      r.int32();
      const errorCode = r.int16();
      const errorMessage = r.fNullableString();
      const memberId = r.fNullableString();
      const memberEpoch = r.int32();
      const heartbeatIntervalMs = r.int32();
      // Assignment is a nullable struct: a signed byte, -1 for null, 1 for present.
      const present = r.int8();
      let assignment: { topicPartitions: { topicId: string; partitions: number[] }[] } | null = null;
      if (present >= 0) {
        const topicPartitions = r.fArray((r) => {
          const tp = { topicId: r.uuid(), partitions: r.fArray((r) => r.int32()).sort(byPartition) };
          r.tags();
          return tp;
        });
        r.tags();
        assignment = { topicPartitions };
      }
      return { errorCode, errorMessage, memberId, memberEpoch, heartbeatIntervalMs, assignment };
    });
  }

  /** ConsumerGroupDescribe (API 69) v0 or v1 (v1 adds each member's MemberType). */
  consumerGroupDescribe(groupIds: string[], version = 1) {
    const assignmentOf = (r: Reader) => {
      const topicPartitions = r.fArray((r) => {
        const tp = { topicId: r.uuid(), topicName: r.fString(), partitions: r.fArray((r) => r.int32()).sort(byPartition) };
        r.tags();
        return tp;
      }).sort((a, b) => a.topicName.localeCompare(b.topicName)); // allow-listed: Kafka keeps them in a hash map
      r.tags();
      return { topicPartitions };
    };
    return this.call(69, version, (w) => {
      w.fArray(groupIds, (w, g) => w.fString(g)).boolean(false);
    }, (r) => {
      r.int32();
      return r.fArray((r) => {
        const g = {
          errorCode: r.int16(),
          errorMessage: r.fNullableString(),
          groupId: r.fString(),
          groupState: r.fString(),
          groupEpoch: r.int32(),
          assignmentEpoch: r.int32(),
          assignorName: r.fString(),
          members: r.fArray((r) => {
            const m = {
              memberId: r.fString(),
              instanceId: r.fNullableString(),
              rackId: r.fNullableString(),
              memberEpoch: r.int32(),
              clientId: r.fString(),
              clientHost: r.fString(),
              subscribedTopicNames: r.fArray((r) => r.fString()).sort(),
              subscribedTopicRegex: r.fNullableString(),
              assignment: assignmentOf(r),
              targetAssignment: assignmentOf(r),
              memberType: version >= 1 ? r.int8() : undefined,
            };
            r.tags();
            return m;
          }),
          authorizedOperations: r.int32(),
        };
        r.tags();
        return g;
      }).sort((a, b) => a.groupId.localeCompare(b.groupId)); // allow-listed: Kafka answers per coordinator shard
    });
  }

  /** ListGroups v5: the TypesFilter ("consumer", "classic", ...) and each group's GroupType. */
  listGroupsTyped(types: string[], states: string[] = []) {
    return this.call(16, V.ListGroupsTypes, (w) => {
      w.fArray(states, (w, s) => w.fString(s)).fArray(types, (w, t) => w.fString(t));
    }, (r) => {
      r.int32();
      const errorCode = r.int16();
      const groups = r.fArray((r) => {
        const g = { groupId: r.fString(), protocolType: r.fString(), groupState: r.fString(), groupType: r.fString() };
        r.tags();
        return g;
      });
      return { errorCode, groups };
    });
  }

  /** OffsetCommit v9: GenerationIdOrMemberEpoch carries a consumer group member's epoch. */
  offsetCommitEpoch(group: string, memberEpoch: number, memberId: string, topic: string, offsets: { index: number; offset: bigint }[], instanceId: string | null = null) {
    return this.call(8, V.OffsetCommitEpoch, (w) => {
      w.fString(group).int32(memberEpoch).fString(memberId).fNullableString(instanceId);
      w.fArray([topic], (w, t) => {
        w.fString(t);
        w.fArray(offsets, (w, p) => w.int32(p.index).int64(p.offset).int32(-1).fNullableString('').tags());
        w.tags();
      });
    }, (r) => {
      r.int32();
      return r.fArray((r) => {
        const t = {
          name: r.fString(),
          partitions: r.fArray((r) => {
            const p = { index: r.int32(), errorCode: r.int16() };
            r.tags();
            return p;
          }).sort((a, b) => a.index - b.index),
        };
        r.tags();
        return t;
      });
    });
  }

  /** OffsetFetch v9: one group, with the member id and epoch a consumer group member sends. */
  offsetFetchMember(group: string, memberId: string | null, memberEpoch: number, topics: { name: string; partitions: number[] }[] | null) {
    return this.call(9, V.OffsetFetchGroups, (w) => {
      w.fArray([group], (w, g) => {
        w.fString(g).fNullableString(memberId).int32(memberEpoch);
        w.fNullableArray(topics, (w, t) => w.fString(t.name).fArray(t.partitions, (w, p) => w.int32(p)).tags());
        w.tags();
      });
      w.boolean(false);
    }, (r) => {
      r.int32();
      return r.fArray((r) => {
        const g = {
          groupId: r.fString(),
          topics: r.fArray((r) => {
            const t = {
              name: r.fString(),
              partitions: r.fArray((r) => {
                const p = { index: r.int32(), offset: r.int64(), leaderEpoch: r.int32(), metadata: r.fNullableString(), errorCode: r.int16() };
                r.tags();
                return p;
              }).sort((a, b) => a.index - b.index),
            };
            r.tags();
            return t;
          }),
          errorCode: r.int16(),
        };
        r.tags();
        return g;
      })[0]!;
    });
  }

  /** OffsetDelete v0: Kafka has no flexible version of it, so the classic encodings and header. */
  async offsetDelete(group: string, topic: string, partitions: number[]) {
    const body = new Writer(64).string(group).array([topic], (w, t) => w.string(t).array(partitions, (w, p) => w.int32(p))).toBuffer();
    const r = await this.raw((id) => requestFrame({ apiKey: 47, apiVersion: 0, correlationId: id, clientId: 'differential' }, body));
    const errorCode = r.int16();
    r.int32();
    const topics = r.array((r) => ({ name: r.string(), partitions: r.array((r) => ({ index: r.int32(), errorCode: r.int16() })).sort((a, b) => a.index - b.index) }));
    return { errorCode, topics };
  }

  deleteGroups(groups: string[]) {
    return this.call(42, V.DeleteGroups, (w) => {
      w.fArray(groups, (w, g) => w.fString(g));
    }, (r) => {
      r.int32();
      return r.fArray((r) => {
        const g = { groupId: r.fString(), errorCode: r.int16() };
        r.tags();
        return g;
      }).sort((a, b) => a.groupId.localeCompare(b.groupId)); // allow-listed: Kafka's order follows its offsets partitions
    });
  }
}

/** ConsumerProtocol subscription v0: the bytes a consumer sends as a JoinGroup protocol's metadata. */
export function subscription(topics: string[]): Buffer {
  return new Writer(64).int16(0).array(topics, (w, t) => w.string(t)).nullableBytes(null).toBuffer();
}

/** ConsumerProtocol assignment v0. */
export function assignment(topic: string, partitions: number[]): Buffer {
  return new Writer(64).int16(0).array([topic], (w, t) => w.string(t).array(partitions, (w, p) => w.int32(p))).nullableBytes(null).toBuffer();
}

/** What a fetch returned, without broker-assigned timestamps: each batch's offsets and count. */
function batchSummaries(buf: Buffer): { baseOffset: string; lastOffsetDelta: number; count: number; attributes: number; producerId: string }[] {
  const out = [];
  let at = 0;
  while (at + 61 <= buf.length) {
    const len = buf.readInt32BE(at + 8);
    if (at + 12 + len > buf.length) break; // a partial batch at the end of a fetch
    out.push({
      baseOffset: buf.readBigInt64BE(at).toString(),
      lastOffsetDelta: buf.readInt32BE(at + 23),
      attributes: buf.readInt16BE(at + 21),
      producerId: buf.readBigInt64BE(at + 43).toString(),
      count: buf.readInt32BE(at + 57),
    });
    at += 12 + len;
  }
  return out;
}

// ---- record batches ---------------------------------------------------------------------------

export const CODECS = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CodecName = keyof typeof CODECS;

/** A v2 batch of `records`, its records section compressed with `codec` (Kafka's framing for each). */
export async function batch(records: NewRecord[], codec: CodecName = 'none', opts: EncodeBatchOptions = {}): Promise<Buffer> {
  const plain = encodeRecordBatch(records, { ...opts, attributes: 0 });
  if (codec === 'none') return plain;
  const body = plain.subarray(61);
  const packed = await compress(codec, body);
  const out = Buffer.concat([plain.subarray(0, 61), packed]);
  out.writeInt32BE(out.length - 12, 8);
  out.writeInt16BE(CODECS[codec], 21);
  out.writeUInt32BE(crc32c(out, 21, out.length), 17);
  return out;
}

async function compress(codec: CodecName, data: Buffer): Promise<Buffer> {
  switch (codec) {
    case 'gzip':
      return gzip(data);
    case 'snappy': {
      // xerial framing (what the Java client writes): magic, version 1, compatible 1, then chunks.
      const s = await import('snappy');
      const block = Buffer.from((await s.compress(data)) as Buffer);
      const head = Buffer.alloc(20);
      Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]).copy(head, 0);
      head.writeInt32BE(1, 8);
      head.writeInt32BE(1, 12);
      head.writeInt32BE(block.length, 16);
      return Buffer.concat([head, block]);
    }
    case 'lz4':
      return Buffer.from(await (await import('lz4-napi')).compressFrame(data));
    case 'zstd':
      return Buffer.from(await (await import('@mongodb-js/zstd')).compress(data));
    default:
      throw new Error(`no codec ${codec}`);
  }
}
