/**
 * franz-go (Go, pinned in test/compat/go/go.mod, modules from the Go module proxy at build time,
 * cached in ~/go) against the embedded broker: idempotent produce with every codec, a group
 * consumer with synchronous commits that a second run resumes from, and kadm admin calls.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { removeDir, tempDir } from '../helpers/temp.js';
import { COMPAT_DIR, describeRun, run, startCompatBroker, uniqueName, type CompatBroker, type RunResult } from './helpers.js';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const PER_CODEC = 3;

let binary: Promise<string> | undefined;
const buildDir = tempDir('compat-go-');
process.once('exit', () => removeDir(buildDir));

/** Builds the client once per test process (go.sum pins every module). */
function franz(): Promise<string> {
  binary ??= (async () => {
    const out = join(buildDir, 'franz-compat');
    const r = await run('go', ['build', '-mod=readonly', '-o', out, '.'], { timeoutMs: 600_000, cwd: join(COMPAT_DIR, 'go') });
    if (r.code !== 0) throw new Error(describeRun('go build (franz-go client)', r));
    return out;
  })();
  return binary;
}

async function json<T>(what: string, args: string[]): Promise<T> {
  const r: RunResult = await run(await franz(), args, { timeoutMs: 120_000 });
  if (r.timedOut || r.code !== 0) throw new Error(describeRun(what, r));
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as T;
}

interface Ack {
  key: string;
  partition: number;
  offset: number;
}

describe('franz-go v1.22.3', { timeout: 900_000 }, () => {
  let b: CompatBroker;
  const topic = uniqueName('franz');
  const group = uniqueName('franz-grp');
  const acks: Ack[] = [];
  const keys = (prefix: string) => CODECS.flatMap((c) => Array.from({ length: PER_CODEC }, (_, i) => `${prefix}-${c}-${i}`)).sort();
  const ends = () => Object.fromEntries([0, 1, 2].map((p) => [String(p), Number(b.broker.logs.partition(topic, p)?.highWatermark ?? 0)]));

  before(async () => {
    b = await startCompatBroker();
  });
  after(async () => {
    await b?.close();
  });

  it('produces idempotently with every codec', async () => {
    const out = await json<{ acks: Ack[] }>('franz produce', ['produce', b.address, topic, group, String(PER_CODEC), 'r1']);
    assert.deepEqual(out.acks.map((a) => a.key).sort(), keys('r1'));
    acks.push(...out.acks);
    const seen = new Set(out.acks.map((a) => `${a.partition}/${a.offset}`));
    assert.equal(seen.size, out.acks.length, 'every acknowledgement is a distinct offset');
  });

  it('consumes them in a group with synchronous commits', async () => {
    const out = await json<{ records: (Ack & { value: string })[]; committed: Record<string, number> }>('franz consume', ['consume', b.address, topic, group, String(acks.length)]);
    assert.deepEqual(out.records.map((r) => r.key).sort(), keys('r1'));
    for (const r of out.records) {
      const a = acks.find((x) => x.key === r.key)!;
      assert.deepEqual([r.partition, r.offset, r.value], [a.partition, a.offset, `value of ${r.key}`]);
    }
    assert.deepEqual(out.committed, Object.fromEntries(Object.entries(ends()).filter(([, v]) => v > 0)));
  });

  it('resumes from the commit: a second run reads only the new records', async () => {
    await json('franz produce 2', ['produce', b.address, topic, group, String(PER_CODEC), 'r2']);
    const out = await json<{ records: Ack[]; committed: Record<string, number> }>('franz consume 2', ['consume', b.address, topic, group, String(PER_CODEC * CODECS.length)]);
    assert.deepEqual(out.records.map((r) => r.key).sort(), keys('r2'));
    assert.deepEqual(out.committed, Object.fromEntries(Object.entries(ends()).filter(([, v]) => v > 0)));
  });

  it('kadm: create (and a duplicate), end offsets, list/describe groups, delete', async () => {
    const out = await json<{ duplicateErr: boolean; ends: Record<string, number>; groups: string[]; groupState: string; deleteErr: boolean; deletedGone: boolean }>('franz admin', ['admin', b.address, topic, group, '0']);
    assert.equal(out.duplicateErr, true);
    assert.deepEqual(out.ends, ends());
    assert.deepEqual(out.groups, [group]);
    assert.equal(out.groupState, 'Empty');
    assert.equal(out.deleteErr, false);
    assert.equal(out.deletedGone, true);
  });
});
