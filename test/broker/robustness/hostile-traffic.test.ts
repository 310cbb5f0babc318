// A normal kafkajs producer and consumer work through a topic while other sockets throw garbage,
// broken requests, half-sent frames and connection bursts at the same broker. Everything random
// comes from one seed, printed at the start; rerun with TEST_SEED=<seed> to replay a failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader } from '../../../src/broker/protocol/reader.js';
import { encodeRecordBatch } from '../../../src/broker/protocol/record-batch.js';
import { startTestBroker } from '../../helpers/broker.js';
import { testKafka } from '../../helpers/kafka.js';
import { Prng, testSeed } from '../../helpers/prng.js';
import {
  RawConnection,
  apiVersionsRequest,
  bodyOffset,
  fetchRequest,
  metadataRequest,
  produceRequest,
  readApiVersionsV0,
  readProduceError,
  requestFrame,
} from '../../helpers/raw-client.js';

const MAX_REQUEST_BYTES = 104_857_600; // DEFAULT_BROKER_CONFIG.maxRequestBytes
const CASES = 1500;
const FUZZ_CONCURRENCY = 6;
const FUZZ_LAUNCH_WINDOW_MS = 20_000;
const CASE_TIMEOUT_MS = 8_000;
const GOOD_TOPIC = 'steady-traffic';
const FUZZ_TOPIC = 'fuzz-target';
const GOOD_BATCHES = 30;
const GOOD_PER_BATCH = 10;
const PROBE_CORRELATION_ID = 0x7a11c0de;
// Keys whose random or mutated bodies can only be answered, refused or closed: no long-polls
// (Fetch, JoinGroup, SyncGroup) and nothing that deletes or reshapes topics.
const SAFE_KEYS = [0, 2, 3, 9, 10, 15, 16, 18, 32];

type Ranges = Map<number, { min: number; max: number }>;

/**
 * What the broker must do with a case:
 * - close: hang up, with no response.
 * - answer-or-close: hang up, or answer it and then also answer a follow-up probe request.
 * - answer: answer it (then `check` the response) and stay usable for the probe.
 * - silent: never answer (an incomplete frame is not yet a request).
 */
type Expectation = 'close' | 'answer-or-close' | 'answer' | 'silent';

interface FuzzCase {
  id: number;
  kind: string;
  bytes: Buffer;
  expect: Expectation;
  /** Correlation id of the (first) frame, when the bytes hold a whole frame. */
  correlationId?: number;
  /** Extra check of the case's own response; returns a problem or undefined. */
  check?: (frame: Buffer) => string | undefined;
}

function hex(b: Buffer, max = 48): string {
  return b.subarray(0, max).toString('hex') + (b.length > max ? `…(${b.length} bytes)` : '');
}

function isKnown(ranges: Ranges, key: number, version: number): boolean {
  const r = ranges.get(key);
  return r !== undefined && version >= r.min && version <= r.max;
}

function randomUnknownKey(rng: Prng, ranges: Ranges): number {
  for (;;) {
    const key = rng.pick([rng.int(-32768, 32767), rng.int(19, 80), rng.int(1000, 2000)]);
    if (!ranges.has(key)) return key;
  }
}

/** Random bytes; re-rolled in the (very unlikely) event they form a complete, known request. */
function randomBytesCase(rng: Prng, ranges: Ranges, id: number): FuzzCase {
  for (;;) {
    const bytes = rng.bytes(rng.int(1, 200));
    if (bytes.length < 4) return { id, kind: 'random-bytes', bytes, expect: 'silent' };
    const size = bytes.readInt32BE(0);
    if (size < 10 || size > MAX_REQUEST_BYTES) return { id, kind: 'random-bytes', bytes, expect: 'close' };
    if (bytes.length - 4 < size) return { id, kind: 'random-bytes', bytes, expect: 'silent' };
    if (!isKnown(ranges, bytes.readInt16BE(4), bytes.readInt16BE(6)) && bytes.readInt16BE(4) !== 18) {
      return { id, kind: 'random-bytes', bytes: bytes.subarray(0, 4 + size), expect: 'close' };
    }
  }
}

function badSizeCase(rng: Prng, id: number): FuzzCase {
  const size = rng.pick([
    -1,
    -2147483648,
    0,
    rng.int(1, 9),
    rng.int(-2147483648, -1),
    MAX_REQUEST_BYTES + 1,
    rng.int(MAX_REQUEST_BYTES + 1, 2147483647),
    2147483647,
  ]);
  const head = Buffer.alloc(4);
  head.writeInt32BE(size, 0);
  return { id, kind: `bad-size(${size})`, bytes: Buffer.concat([head, rng.bytes(rng.int(0, 100))]), expect: 'close' };
}

/** A frame of honest size whose header and body are random, with the API key from a safe set. */
function randomBodyCase(rng: Prng, ranges: Ranges, id: number): FuzzCase {
  const apiKey = rng.int(0, 3) === 0 ? randomUnknownKey(rng, ranges) : rng.pick(SAFE_KEYS);
  const r = ranges.get(apiKey);
  const apiVersion = r && rng.int(0, 3) > 0 ? rng.int(r.min, r.max) : rng.int(-5, 200);
  const correlationId = rng.int(0, 2 ** 31 - 1);
  const body = rng.bytes(rng.int(0, 2000));
  const frame = Buffer.alloc(12 + body.length);
  frame.writeInt32BE(frame.length - 4, 0);
  frame.writeInt16BE(apiKey, 4);
  frame.writeInt16BE(apiVersion, 6);
  frame.writeInt32BE(correlationId, 8);
  body.copy(frame, 12);
  const known = isKnown(ranges, apiKey, apiVersion) || apiKey === 18;
  return { id, kind: `random-body(key ${apiKey} v${apiVersion})`, bytes: frame, expect: known ? 'answer-or-close' : 'close', correlationId };
}

/** A real request with random bytes of its body flipped and/or the body cut short. */
function mutatedCase(rng: Prng, id: number): FuzzCase {
  const correlationId = rng.int(0, 2 ** 31 - 1);
  const which = rng.pick(['ApiVersions', 'Metadata', 'Produce'] as const);
  let frame: Buffer;
  let batchStart = -1;
  let version: number;
  if (which === 'ApiVersions') {
    version = rng.int(0, 3);
    frame = apiVersionsRequest(version, correlationId);
  } else if (which === 'Metadata') {
    version = rng.int(1, 6);
    const topics = rng.int(0, 3) === 0 ? null : [`${FUZZ_TOPIC}`, `fuzz-m${rng.int(0, 3)}`];
    frame = metadataRequest(version, correlationId, topics);
  } else {
    version = rng.int(3, 7);
    const records = Array.from({ length: rng.int(1, 5) }, (_, i) => ({
      key: `k${i}`,
      value: rng.bytes(rng.int(0, 300)),
      headers: rng.int(0, 1) ? [{ key: 'h', value: 'v' }] : [],
    }));
    const batch = encodeRecordBatch(records);
    frame = produceRequest(version, correlationId, FUZZ_TOPIC, rng.int(0, 2), batch);
    batchStart = frame.length - batch.length;
  }
  // Header bytes stay intact (for ApiVersions v3 the flexible header's tag byte may be hit).
  const start = bodyOffset(frame);
  const mode = frame.length > start ? rng.pick(['flip', 'flip', 'truncate', 'both', 'none'] as const) : 'none';
  const flipped: number[] = [];
  if (mode === 'flip' || mode === 'both') {
    for (let n = rng.int(1, 8); n > 0; n--) {
      const at = rng.int(start, frame.length - 1);
      frame[at] ^= rng.int(1, 255);
      flipped.push(at);
    }
  }
  let truncated = false;
  if (mode === 'truncate' || mode === 'both') {
    frame = Buffer.from(frame.subarray(0, rng.int(start, frame.length - 1)));
    frame.writeInt32BE(frame.length - 4, 0);
    truncated = true;
  }
  const kind = `mutated-${which}-${mode}(v${version}${flipped.length ? `, flipped at ${flipped.join(',')}` : ''})`;
  // Metadata and Produce bodies have no optional tail: cutting an otherwise intact one always
  // leaves a field unreadable. (With flips too, a count can turn into "null" and parse early.)
  if (mode === 'truncate' && which !== 'ApiVersions') return { id, kind, bytes: frame, expect: 'close', correlationId };
  if (mode === 'none') {
    // Unmodified control requests: they must simply work, proving the encoders above are right.
    const check =
      which === 'Produce'
        ? (f: Buffer) => {
            const res = readProduceError(responseReader(f));
            return res.errorCode === 0 ? undefined : `unmodified Produce failed with error ${res.errorCode}`;
          }
        : which === 'ApiVersions'
          ? (f: Buffer) => {
              const code = f.readInt16BE(4);
              return code === 0 ? undefined : `unmodified ApiVersions failed with error ${code}`;
            }
          : undefined;
    return { id, kind, bytes: frame, expect: 'answer', correlationId, check };
  }
  let check: FuzzCase['check'];
  if (which === 'Produce' && !truncated && flipped.every((at) => at >= batchStart + 16)) {
    // Every flip landed in the magic byte, CRC or CRC-covered part of the batch: the data is
    // corrupt and must never be acknowledged as written.
    check = (f) => {
      const res = readProduceError(responseReader(f));
      return res.errorCode !== 0 ? undefined : `corrupted batch was accepted at offset ${res.baseOffset}`;
    };
  }
  return { id, kind, bytes: frame, expect: 'answer-or-close', correlationId, check };
}

/** A reader over a response body (the frame minus its correlation id). */
function responseReader(frame: Buffer): Reader {
  return new Reader(frame, 4);
}

function unknownKeyCase(rng: Prng, ranges: Ranges, id: number): FuzzCase {
  const apiKey = randomUnknownKey(rng, ranges);
  const correlationId = rng.int(0, 2 ** 31 - 1);
  const bytes = requestFrame({ apiKey, apiVersion: rng.int(0, 5), correlationId }, rng.bytes(rng.int(0, 50)));
  return { id, kind: `unknown-key(${apiKey})`, bytes, expect: 'close', correlationId };
}

function unsupportedVersionCase(rng: Prng, ranges: Ranges, id: number): FuzzCase {
  const [apiKey, r] = rng.pick([...ranges]);
  const correlationId = rng.int(0, 2 ** 31 - 1);
  const candidates = [r.max + rng.int(1, 50), -rng.int(1, 100)];
  if (r.min > 0) candidates.push(rng.int(0, r.min - 1));
  const apiVersion = rng.pick(candidates);
  if (apiKey === 18) {
    // Below the range an ApiVersions request is still answered normally, so go above it.
    const unknown = Math.max(apiVersion, r.max + 1);
    const bytes = apiVersionsRequest(unknown, correlationId);
    return {
      id,
      kind: `unsupported-ApiVersions(v${unknown})`,
      bytes,
      expect: 'answer',
      correlationId,
      check: (f) => {
        const code = f.readInt16BE(4);
        return code === 35 ? undefined : `ApiVersions v${apiVersion} answered with error ${code}, expected 35`;
      },
    };
  }
  const bytes = requestFrame({ apiKey, apiVersion, correlationId }, rng.bytes(rng.int(0, 60)));
  return { id, kind: `unsupported-version(key ${apiKey} v${apiVersion})`, bytes, expect: 'close', correlationId };
}

function halfOpenCase(rng: Prng, id: number): FuzzCase {
  const frame = metadataRequest(1, rng.int(0, 1000), [FUZZ_TOPIC]);
  const padded = Buffer.concat([frame, rng.bytes(rng.int(0, 3000))]);
  padded.writeInt32BE(padded.length - 4 + rng.int(1, 5000), 0); // promise more than will ever come
  return { id, kind: 'half-open', bytes: padded.subarray(0, rng.int(0, padded.length)), expect: 'silent' };
}

function generateCases(rng: Prng, ranges: Ranges): FuzzCase[] {
  const makers = [
    (id: number) => randomBytesCase(rng, ranges, id),
    (id: number) => badSizeCase(rng, id),
    (id: number) => randomBodyCase(rng, ranges, id),
    (id: number) => mutatedCase(rng, id),
    (id: number) => mutatedCase(rng, id),
    (id: number) => unknownKeyCase(rng, ranges, id),
    (id: number) => unsupportedVersionCase(rng, ranges, id),
    (id: number) => halfOpenCase(rng, id),
  ];
  return Array.from({ length: CASES }, (_, id) => makers[rng.int(0, makers.length - 1)](id));
}

/** Counts how cases ended, by kind, so the diagnostics show what was really exercised. */
type Tally = Map<string, number>;
function count(tally: Tally, key: string): void {
  tally.set(key, (tally.get(key) ?? 0) + 1);
}

/** Runs one case and returns a description of what went wrong, if anything. */
async function runCase(port: number, c: FuzzCase, silentOnes: RawConnection[], tally: Tally): Promise<string | undefined> {
  const kind = c.kind.replace(/\(.*$/, '');
  const conn = await RawConnection.connect(port);
  conn.write(c.bytes);
  if (c.expect === 'silent') {
    silentOnes.push(conn); // judged at the very end, after everything else had time to happen
    count(tally, `${kind}: left open`);
    return undefined;
  }
  try {
    if (c.expect === 'close') {
      if (!(await conn.waitForClose(CASE_TIMEOUT_MS))) return 'expected the broker to close the connection';
      const frames = conn.takeFrames();
      if (frames.length > 0) return `expected no response before closing, got ${frames.length}`;
      count(tally, `${kind}: closed`);
      return undefined;
    }
    // Probe: a valid request right behind it tells "processed and still reading" from "stuck".
    const probeId = c.correlationId === PROBE_CORRELATION_ID ? PROBE_CORRELATION_ID + 1 : PROBE_CORRELATION_ID;
    conn.write(apiVersionsRequest(0, probeId));
    const seen: Buffer[] = [];
    const gotProbe = () => {
      seen.push(...conn.takeFrames());
      return seen.some((f) => f.readInt32BE(0) === probeId);
    };
    await conn.waitFor(() => gotProbe() || conn.closedByPeer, CASE_TIMEOUT_MS);
    gotProbe();
    const probeAt = seen.findIndex((f) => f.readInt32BE(0) === probeId);
    if (probeAt < 0) {
      if (c.expect === 'answer') return `expected an answer, ${conn.closedByPeer ? 'connection was closed' : 'got nothing'}`;
      if (!conn.closedByPeer) return 'neither answered nor closed';
      if (seen.length > 1) return `${seen.length} responses to a single request`;
    }
    const own = probeAt < 0 ? seen : seen.slice(0, probeAt);
    count(tally, `${kind}: ${probeAt < 0 ? 'closed' : own.length ? 'answered' : 'skipped (no response expected)'}`);
    if (own.length > 1) return `${own.length} responses before the probe's`;
    for (const f of own) {
      if (f.readInt32BE(0) !== c.correlationId) return `response carries correlation id ${f.readInt32BE(0)}, sent ${c.correlationId}`;
    }
    if (c.expect === 'answer' && own.length === 0) return 'expected an answer to the request itself';
    if (c.check && own.length === 1) {
      count(tally, `${kind}: response checked`);
      try {
        return c.check(own[0]);
      } catch (err) {
        return `unreadable response: ${(err as Error).message}`;
      }
    }
    return undefined;
  } finally {
    conn.destroy();
  }
}

/** Many connections opened together; each is dropped right away, some mid-request. */
async function connectionBurst(port: number, rng: Prng, count: number): Promise<void> {
  // Plans are drawn up front so the burst's content depends only on its own seed.
  const plans = Array.from({ length: count }, () => ({ plan: rng.int(0, 4), junk: rng.bytes(20) }));
  await Promise.all(
    plans.map(async ({ plan, junk }, i) => {
      const c = await RawConnection.connect(port);
      if (plan === 1) c.write(apiVersionsRequest(2, i)); // the answer will meet a closed socket
      if (plan === 2) c.write(apiVersionsRequest(0, i).subarray(0, 6));
      if (plan === 3) c.write(fetchRequest(i, FUZZ_TOPIC, 0, 0n, 1_000, 1 << 30)); // parked, then orphaned
      if (plan === 4) c.write(junk);
      c.destroy();
    }),
  );
}

async function fetchRanges(port: number): Promise<Ranges> {
  const c = await RawConnection.connect(port);
  try {
    c.write(apiVersionsRequest(0, 1));
    const { errorCode, apis } = readApiVersionsV0((await c.nextResponse()).body);
    assert.equal(errorCode, 0);
    return new Map(apis.map((a) => [a.apiKey, { min: a.min, max: a.max }]));
  } finally {
    c.destroy();
  }
}

test('a well-behaved client is unaffected by hostile connections to the same broker', async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed=${seed} (rerun with TEST_SEED=${seed})`);
  const rng = new Prng(seed);
  const tb = await startTestBroker();
  // Clients first, then the broker, even when an assertion failed half-way.
  const clients: { disconnect(): Promise<void> }[] = [];
  t.after(async () => {
    for (const c of clients) await c.disconnect().catch(() => undefined);
    await tb.cleanup();
  });

  const ranges = await fetchRanges(tb.port);
  const cases = generateCases(rng, ranges);

  const kafka = testKafka(tb.brokers);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: GOOD_TOPIC, numPartitions: 3 },
      { topic: FUZZ_TOPIC, numPartitions: 3 },
    ],
  });
  await admin.disconnect();

  // Good consumer first, so it sees the stream as it is written.
  const received = new Map<string, { key: string | null; value: string | null }>(); // "p:offset" -> message
  const duplicatesWithDifferentContent: string[] = [];
  const consumer = kafka.consumer({ groupId: 'steady-group', maxWaitTimeInMs: 500 });
  clients.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic: GOOD_TOPIC, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const at = `${partition}:${message.offset}`;
      const msg = { key: message.key?.toString() ?? null, value: message.value?.toString() ?? null };
      const before = received.get(at);
      if (before && (before.key !== msg.key || before.value !== msg.value)) duplicatesWithDifferentContent.push(at);
      received.set(at, msg);
    },
  });

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  clients.push(producer);
  await producer.connect();
  const sent = new Map<string, { key: string; value: string }>(); // "p:offset" -> message
  const produceGood = async () => {
    for (let b = 0; b < GOOD_BATCHES; b++) {
      const messages = Array.from({ length: GOOD_PER_BATCH }, (_, i) => {
        const n = b * GOOD_PER_BATCH + i;
        // Sizes vary, some large enough to travel in several TCP chunks.
        return { key: `key-${n}`, value: `value-${n}-` + 'x'.repeat((n * 997) % 9000), partition: n % 3 };
      });
      const results = await producer.send({ topic: GOOD_TOPIC, messages, acks: -1 });
      for (const r of results) assert.equal(r.errorCode, 0);
      for (const p of [0, 1, 2]) {
        const base = Number(results.find((r) => r.partition === p)!.baseOffset);
        messages
          .filter((m) => m.partition === p)
          .forEach((m, i) => sent.set(`${p}:${base + i}`, { key: m.key, value: m.value }));
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const failures: string[] = [];
  const silentOnes: { conn: RawConnection; c: FuzzCase }[] = [];
  const tally: Tally = new Map();
  const runFuzz = async () => {
    const deadline = Date.now() + FUZZ_LAUNCH_WINDOW_MS;
    let next = 0;
    const silentConns: RawConnection[] = [];
    const worker = async () => {
      while (next < cases.length && Date.now() < deadline) {
        const c = cases[next++];
        const before = silentConns.length;
        const problem = await runCase(tb.port, c, silentConns, tally).catch((err: Error) => `harness error: ${err.message}`);
        if (silentConns.length > before) silentOnes.push({ conn: silentConns[silentConns.length - 1], c });
        if (problem) failures.push(`case #${c.id} ${c.kind}: ${problem}; bytes ${hex(c.bytes)}`);
        if (c.id % 60 === 59) await connectionBurst(tb.port, new Prng(seed + c.id), 40);
      }
    };
    await Promise.all(Array.from({ length: FUZZ_CONCURRENCY }, worker));
    t.diagnostic(`ran ${next} of ${cases.length} fuzz cases`);
    for (const [k, n] of [...tally].sort()) t.diagnostic(`  ${k}: ${n}`);
  };

  await Promise.all([runFuzz(), produceGood()]);
  await connectionBurst(tb.port, new Prng(seed + 1_000_000), 100);

  // The good consumer must end up with exactly what was acknowledged.
  const waitUntil = Date.now() + 30_000;
  while (received.size < sent.size && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  await producer.disconnect();

  // Half-sent frames are never answered. (Hanging up on them eventually is fine, as an idle or
  // slow-request timeout would; within this test they normally just stay open.)
  let stillOpen = 0;
  for (const { conn, c } of silentOnes) {
    if (conn.bytesReceived > 0) failures.push(`case #${c.id} ${c.kind}: incomplete frame got ${conn.bytesReceived} bytes back`);
    if (!conn.closedByPeer) stillOpen++;
    conn.destroy();
  }
  t.diagnostic(`${silentOnes.length} half-sent connections, ${stillOpen} still open at the end`);

  assert.deepEqual(failures, [], `seed ${seed}: ${failures.length} misbehaving cases`);
  assert.equal(sent.size, GOOD_BATCHES * GOOD_PER_BATCH);
  assert.deepEqual(duplicatesWithDifferentContent, [], 'the same offset was delivered with different content');
  const missing = [...sent.keys()].filter((k) => !received.has(k));
  assert.deepEqual(missing.slice(0, 20), [], `seed ${seed}: ${missing.length} acknowledged messages never consumed`);
  for (const [at, msg] of sent) assert.deepEqual(received.get(at), msg, `message at ${at} differs`);
  const unexpected = [...received.keys()].filter((k) => !sent.has(k));
  assert.deepEqual(unexpected, [], 'consumer saw messages that were never produced');

  // Still alive and answering after all of it.
  const after = await fetchRanges(tb.port);
  assert.deepEqual([...after], [...ranges]);
});
