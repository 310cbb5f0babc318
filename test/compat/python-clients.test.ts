/**
 * Python Kafka clients against the embedded broker, Debian's and today's from PyPI:
 *   - python3-confluent-kafka 1.7.0 (librdkafka 2.0.2)
 *   - python3-kafka (kafka-python 2.0.2), which hard-codes old API versions after probing
 *   - confluent-kafka 2.16.1 (its wheel's librdkafka 2.16) and kafka-python 2.2.21 from PyPI, in a
 *     venv under .cache/py-clients (test/compat/python/requirements-pypi.txt; .ci/run makes it, and
 *     this file makes it when it is missing or stale)
 * Each run of the script produces a batch of keyed messages (some with NULL values), then consumes
 * in a group with manual synchronous commits. The second run with the same group must see only
 * the messages produced after the first run's commit.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stepper } from '../helpers/steps.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  PYTHON,
  PYTHON_DIR,
  asSet,
  describeRun,
  murmur2Partition,
  run,
  startCompatBroker,
  uniqueName,
  type CompatBroker,
} from './helpers.js';

interface Record {
  key: string | null;
  value: string | null;
  partition: number;
  offset: number;
  headers?: [string, string | null][];
}

interface ScriptResult {
  produced: Record[];
  consumed: Record[];
  stored: { [partition: string]: number };
  timed_out: boolean;
  error?: string;
}

const REQUIREMENTS = join(PYTHON_DIR, 'requirements-pypi.txt');
const VENV = resolve(PYTHON_DIR, '../../../.cache/py-clients');

let venvReady: Promise<string> | undefined;
/** The venv's interpreter, with the pinned PyPI clients installed (once per requirements file). */
function pypiPython(): Promise<string> {
  venvReady ??= (async () => {
    const python = join(VENV, 'bin', 'python');
    const stampFile = join(VENV, 'requirements.sha256');
    const stamp = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
    if (existsSync(python) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return python;
    rmSync(VENV, { recursive: true, force: true });
    const mk = await run(PYTHON, ['-m', 'venv', VENV], { timeoutMs: 120_000 });
    if (mk.code !== 0) throw new Error(describeRun('python3 -m venv', mk));
    const pip = await run(python, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '-r', REQUIREMENTS], { timeoutMs: 600_000 });
    if (pip.code !== 0) throw new Error(describeRun('pip install (PyPI clients)', pip));
    writeFileSync(stampFile, stamp);
    return python;
  })();
  return venvReady;
}

const debian = async () => PYTHON;
const clients = [
  { name: 'confluent-kafka (librdkafka 2.0.2)', script: 'confluent_client.py', header: 'confluent-kafka', python: debian },
  { name: 'kafka-python 2.0.2', script: 'kafka_python_client.py', header: 'kafka-python', python: debian },
  { name: 'confluent-kafka 2.16.1 from PyPI (librdkafka 2.16)', script: 'confluent_client.py', header: 'confluent-kafka', python: pypiPython, admin: true },
  { name: 'kafka-python 2.2.21 from PyPI', script: 'kafka_python_client.py', header: 'kafka-python', python: pypiPython, admin: true },
];

for (const client of clients) {
  describe(`python ${client.name}`, { timeout: 900_000 }, () => {
    let b: CompatBroker;
    const topic = uniqueName(client.script.replace(/_client\.py$/, '').replace('_', '-'));
    const group = uniqueName('py-grp');
    let firstRun: ScriptResult | undefined;
    let secondStored: ScriptResult['stored'] | undefined;

    before(async () => {
      b = await startCompatBroker();
    });
    after(async () => {
      await b?.close();
    });

    const runScript = async (prefix: string, count: number, expect: number): Promise<ScriptResult> => {
      const r = await run(
        await client.python(),
        [join(PYTHON_DIR, client.script), b.address, topic, group, prefix, String(count), String(expect)],
        { timeoutMs: 75_000, env: { PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' } },
      );
      if (r.timedOut || r.code !== 0) throw new Error(describeRun(client.script, r));
      const line = r.stdout.trim().split('\n').pop() ?? '';
      let parsed: ScriptResult;
      try {
        parsed = JSON.parse(line) as ScriptResult;
      } catch {
        throw new Error(describeRun(`${client.script} printed no JSON`, r));
      }
      assert.equal(parsed.error, undefined, describeRun(client.script, r));
      assert.equal(parsed.timed_out, false, `consumer did not receive ${expect} messages\n${describeRun(client.script, r)}`);
      return parsed;
    };

    const expectedMessages = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        key: `${prefix}-${i}`,
        value: i % 5 === 4 ? null : `${prefix} value ${i}`,
      }));

    const checkRun = (res: ScriptResult, prefix: string, count: number) => {
      const want = expectedMessages(prefix, count);
      assert.deepEqual(asSet(res.produced), asSet(want), 'acknowledged produce set');
      assert.deepEqual(asSet(res.consumed), asSet(want), 'consumed exactly the messages of this run');
      for (const m of res.consumed) {
        // Both clients were set up to place keys like the Java client.
        assert.equal(m.partition, murmur2Partition(topic, m.key!), `partition of ${m.key}`);
        const ack = res.produced.find((p) => p.key === m.key)!;
        assert.equal(m.offset, ack.offset, `offset of ${m.key} matches the produce acknowledgement`);
        assert.equal(m.partition, ack.partition);
        assert.deepEqual(m.headers, [['client', client.header]]);
      }
    };

    it('two runs in one group, as steps: the second resumes after the first run\'s commits', async (t) => {
      const step = stepper(t);
      await step('first run: produces, consumes everything in a new group, commits', async () => {
        const res = await runScript('r1', 10, 10);
        checkRun(res, 'r1', 10);
        // per partition, offsets acknowledged for the first run start at 0 and are dense
        const perPartition = new Map<number, number[]>();
        for (const p of res.produced) perPartition.set(p.partition, [...(perPartition.get(p.partition) ?? []), p.offset]);
        for (const [p, offsets] of perPartition) {
          assert.deepEqual(
            offsets.sort((a, c) => a - c),
            offsets.map((_, i) => i),
            `partition ${p}`,
          );
          assert.equal(res.stored[String(p)], offsets.length, `committed offset of partition ${p}`);
        }
        firstRun = res;
      });

      await step('second run with the same group resumes after the commit: only the new messages', async () => {
        assert.ok(firstRun, 'first run must have succeeded');
        const res = await runScript('r2', 7, 7);
        checkRun(res, 'r2', 7);
        const all = [...firstRun.produced, ...res.produced];
        for (let p = 0; p < 3; p++) {
          const n = all.filter((m) => m.partition === p).length;
          if (n === 0) continue;
          assert.equal(res.stored[String(p)], n, `committed offset of partition ${p} after the second run`);
        }
        // the second run's offsets continue where the first run's stopped
        for (const m of res.produced) {
          const before = firstRun.produced.filter((x) => x.partition === m.partition).length;
          assert.ok(m.offset >= before, `${m.key} at ${m.offset} continues after ${before}`);
        }
        secondStored = res.stored;
      });

      if ('admin' in client && client.admin) {
        await step('admin client: topics, partitions, configs, groups and their offsets, deletes', async () => {
          assert.ok(secondStored, 'second run must have succeeded');
          const r = await run(await client.python(), [join(PYTHON_DIR, 'admin_clients.py'), client.header, b.address, topic, group], { timeoutMs: 75_000 });
          if (r.timedOut || r.code !== 0) throw new Error(describeRun('admin_clients.py', r));
          const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { duplicate: string; partitions: number; retention: [string, number]; groups: string[]; state: string; committed: { [p: string]: number }; groupsAfter: string[] };
          assert.equal(out.duplicate, 'TOPIC_ALREADY_EXISTS');
          assert.equal(out.partitions, 3);
          assert.deepEqual(out.retention, ['7200000', 1]); // DYNAMIC_TOPIC_CONFIG
          assert.deepEqual(out.groups, [group]);
          assert.equal(out.state, 'EMPTY');
          // What the second run's consumer committed (a partition it never committed is absent).
          assert.deepEqual(out.committed, Object.fromEntries(Object.entries(secondStored).filter(([, o]) => o >= 0)));
          assert.deepEqual(out.groupsAfter, []);
          assert.equal(b.broker.logs.getTopic(`${topic}-admin`), undefined);
        });
      }
    });
  });
}
