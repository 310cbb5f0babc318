/**
 * @platformatic/kafka, a current TypeScript client that implements only the flexible (KIP-482)
 * versions of each API: before the broker spoke them it stopped at once with "No usable
 * implementation found for API Metadata". It needs Node 22, so it runs as a child process under
 * the Node binary that test/compat/platformatic/package.json pins (installed there by .ci/run with
 * `npm ci --prefix test/compat/platformatic`).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createHandlerTable } from '../../src/broker/handlers/index.js';
import { COMPAT_DIR, describeRun, run, startCompatBroker, uniqueName, type CompatBroker } from './helpers.js';

const DIR = join(COMPAT_DIR, 'platformatic');
const NODE22 = join(DIR, 'node_modules', '.bin', 'node');

interface Ack {
  key: string;
  partition: number;
  offset: number;
}
interface Consumed extends Ack {
  value: string;
  header: string | null;
}

async function client<T>(args: string[]): Promise<T> {
  const r = await run(NODE22, [join(DIR, 'client.mjs'), ...args], { timeoutMs: 90_000 });
  if (r.timedOut || r.code !== 0) throw new Error(describeRun(`platformatic ${args[0]}`, r));
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

const keys = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`).sort();

describe('@platformatic/kafka (flexible versions only, Node 22)', { timeout: 400_000 }, () => {
  let b: CompatBroker;
  const topic = uniqueName('plt');
  const group = uniqueName('plt-grp');
  const acked = new Map<string, Ack>();

  before(async () => {
    assert.ok(existsSync(NODE22), `missing ${NODE22}: run npm ci --prefix test/compat/platformatic (.ci/run does)`);
    const v = await run(NODE22, ['--version']);
    assert.match(v.stdout, /^v22\./, 'the pinned Node 22');
    b = await startCompatBroker();
  });
  after(async () => {
    await b?.close();
  });

  const checkConsumed = (records: Consumed[], prefix: string, n: number) => {
    assert.deepEqual(records.map((r) => r.key).sort(), keys(prefix, n));
    for (const r of records) {
      assert.equal(r.value, `value of ${r.key}`);
      assert.equal(r.header, 'platformatic');
      const a = acked.get(r.key)!;
      assert.deepEqual([r.partition, r.offset], [a.partition, a.offset], `${r.key} where it was acknowledged`);
    }
  };

  it('produces idempotently (topic auto-created on request)', async () => {
    const { acks } = await client<{ acks: Ack[] }>(['produce', b.address, topic, group, '10', 'run1']);
    assert.deepEqual(acks.map((a) => a.key).sort(), keys('run1', 10));
    assert.equal(new Set(acks.map((a) => `${a.partition}/${a.offset}`)).size, 10, 'distinct positions');
    for (const a of acks) acked.set(a.key, a);
  });

  it('consumes them in a group, committing each message', async () => {
    const { records } = await client<{ records: Consumed[] }>(['consume', b.address, topic, group, '10']);
    checkConsumed(records, 'run1', 10);
  });

  it('resumes from the commits: only what was produced since', async () => {
    const { acks } = await client<{ acks: Ack[] }>(['produce', b.address, topic, group, '6', 'run2']);
    for (const a of acks) acked.set(a.key, a);
    const { records } = await client<{ records: Consumed[] }>(['consume', b.address, topic, group, '6']);
    checkConsumed(records, 'run2', 6);
  });

  it('admin: create/list/delete topics, topic id, groups and committed offsets', async () => {
    const out = await client<{
      topics: string[];
      topicId: string;
      partitions: number;
      groups: string[];
      groupState: string;
      committed: Record<string, number>;
      deletedGone: boolean;
    }>(['admin', b.address, topic, group, '0']);
    assert.deepEqual(out.topics, [topic, `${topic}-admin`].sort());
    assert.equal(out.topicId, b.broker.logs.getTopic(topic)!.id);
    assert.equal(out.partitions, 3);
    assert.deepEqual(out.groups, [group]);
    assert.equal(out.groupState, 'Empty');
    const ends: Record<string, number> = {};
    for (let p = 0; p < 3; p++) {
      const hw = Number(b.broker.logs.partition(topic, p)!.highWatermark);
      if (hw > 0) ends[String(p)] = hw;
    }
    assert.deepEqual(out.committed, ends);
    assert.equal(out.deletedGone, true);
  });

  it('every request it sent used a flexible version', () => {
    const byName = new Map([...createHandlerTable().values()].map((h) => [h.name, h]));
    const seen = b.broker.requestsSeen();
    const used = new Set<string>();
    for (const key of Object.keys(seen)) {
      const [name, v] = key.split(' v');
      assert.ok(Number(v) >= byName.get(name)!.firstFlexibleVersion, `${key} is not flexible`);
      used.add(name);
    }
    for (const name of ['ApiVersions', 'Metadata', 'InitProducerId', 'Produce', 'Fetch', 'ListOffsets', 'FindCoordinator', 'JoinGroup', 'SyncGroup', 'OffsetCommit', 'OffsetFetch', 'CreateTopics', 'DeleteTopics', 'ListGroups', 'DescribeGroups']) {
      assert.ok(used.has(name), `never sent ${name}: ${JSON.stringify(seen)}`);
    }
  });
});
