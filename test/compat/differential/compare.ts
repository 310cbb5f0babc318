/**
 * What every differential test shares: the scenario shape, the allow-list normaliser, the
 * per-broker run, and the comparison of a fresh embedded broker's answers with Apache Kafka's,
 * field by field (differential.test.ts against 3.9.1, kip848.test.ts against 4.4.0).
 *
 * DIFFERENTIAL_SELF=1 runs each scenario on the reference Kafka twice instead (two fresh sets of
 * names): what differs there is what really varies from run to run, the only thing the
 * normaliser may hide. Scenarios are validated that way before they are run on the embedded broker.
 * DIFFERENTIAL_DUMP=<file> appends each scenario's two normalised answers to that file as JSON lines.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { startTestBroker } from '../../helpers/broker.js';
import { apacheKafkaBootstrap } from '../../helpers/suite-kafka.js';
import { Wire } from '../../helpers/kafka-wire.js';

export interface Ctx {
  wire: Wire;
  name(base: string): string;
  connect(): Promise<Wire>;
}

export interface Scenario {
  name: string;
  run(ctx: Ctx): Promise<unknown>;
}

/** Broker-assigned identities, replaced by the order in which they first appear. */
export class Aliases {
  private readonly seen = new Map<string, string>();
  of(kind: string, v: string): string {
    const key = `${kind}:${v}`;
    let a = this.seen.get(key);
    if (a === undefined) {
      a = `<${kind}-${[...this.seen.keys()].filter((k) => k.startsWith(`${kind}:`)).length + 1}>`;
      this.seen.set(key, a);
    }
    return a;
  }
}

const NULL_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * The allow-list, and nothing else: node ids, cluster id, host/port, broker-generated member and
 * producer ids, topic ids (random per topic on every broker; replaced by the order they first
 * appear, so a wrong id still shows), client host, leader epochs (not tracked: -1 keeps clients
 * from validating them with OffsetForLeaderEpoch, which the broker does not implement), and
 * error message texts (Kafka's are English prose; only their presence is compared). The wire
 * decoders also sort lists whose order Kafka does not define (Metadata partitions, DeleteGroups
 * results, a consumer group's members and assignments).
 */
export function normalise(v: unknown, aliases: Aliases, key = '', suffix?: string): unknown {
  if (Array.isArray(v)) return v.map((x) => normalise(x, aliases, key, suffix));
  if (typeof v === 'bigint') return key === 'producerId' && v >= 0n ? aliases.of('producer', String(v)) : v;
  if (typeof v === 'number') {
    if (key === 'leaderEpoch') return '<epoch>';
    if (['nodeId', 'controllerId', 'leader', 'replicas', 'isr'].includes(key) && v >= 0) return '<node>';
    return v;
  }
  if (typeof v === 'string') {
    if (key === 'memberId' || key === 'leader') return v === '' ? '' : aliases.of('member', v);
    if (key === 'topicId') return v === NULL_UUID ? v : aliases.of('topic', v);
    if (key === 'clusterId') return '<cluster>';
    if (key === 'host' || key === 'clientHost') return '<host>';
    if (key === 'errorMessage') return '<message>';
    // The run's names (ctx.name): the same on both brokers, different in a Kafka-vs-Kafka run.
    return suffix ? v.split(suffix).join('<run>') : v;
  }
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'port') continue;
      if (x === undefined) continue;
      out[k] = normalise(x, aliases, k, suffix);
    }
    return out;
  }
  return v;
}

export async function runOn(address: string, run: (ctx: Ctx) => Promise<unknown>, suffix: string): Promise<unknown> {
  const wire = await Wire.connect(address);
  try {
    const aliases = new Aliases();
    const ctx: Ctx = { wire, name: (base) => `diff-${base}-${suffix}`, connect: () => Wire.connect(address) };
    return normalise(await run(ctx), aliases, '', suffix);
  } finally {
    wire.close();
  }
}

/**
 * A deliberate difference (documented in docs/compatibility.md): in `scenario`, the field at
 * `path` (dot-separated) is `embedded` on the embedded broker where Kafka says `kafka`. Only that
 * exact pair is accepted; any other value there still fails, so a fixed or changed answer shows.
 */
export interface Intentional {
  scenario: string;
  path: string;
  embedded: unknown;
  kafka: unknown;
  why: string;
}

function at(v: unknown, path: string[]): unknown {
  return path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), v);
}

/** `mine` with every matching intentional difference replaced by Kafka's value. */
function excuse(mine: unknown, theirs: unknown, scenario: string, intentional: Intentional[]): unknown {
  const out = structuredClone(mine);
  for (const d of intentional) {
    if (d.scenario !== scenario) continue;
    const path = d.path.split('.');
    if (!isDeepStrictEqual(at(out, path), d.embedded) || !isDeepStrictEqual(at(theirs, path), d.kafka)) continue;
    const parent = at(out, path.slice(0, -1)) as Record<string, unknown>;
    parent[path[path.length - 1]!] = structuredClone(d.kafka);
  }
  return out;
}

/** Kafka-vs-Kafka: both sides of every comparison on the reference broker (see the file comment). */
export const selfCheck = process.env.DIFFERENTIAL_SELF === '1';

/** The two sides of a comparison: a fresh embedded broker (or, self-checking, the reference again) and Kafka. */
export interface Brokers {
  mine: string;
  reference: string;
  cleanup(): Promise<void>;
}

export async function startBrokers(version: string, intentional: Intentional[], scenarios: Scenario[]): Promise<Brokers> {
  for (const d of intentional) {
    if (!scenarios.some((s) => s.name === d.scenario)) throw new Error(`intentional difference for an unknown scenario: ${d.scenario}`);
  }
  const [embedded, apache] = await Promise.all([selfCheck ? undefined : startTestBroker(), apacheKafkaBootstrap(version)]);
  return { mine: embedded ? embedded.brokers[0]! : apache, reference: apache, cleanup: async () => embedded?.cleanup() };
}

const mineName = selfCheck ? 'Apache Kafka (a second run)' : 'embedded broker';

export const suiteTitle = (version: string) => `${mineName} vs Apache Kafka ${version}`;

/**
 * One scenario on both sides, compared after the normaliser and the intentional differences.
 * The node:test calls stay in each test file (the runner attributes a test to the file that
 * defines it, and checks every test file reported tests).
 */
export async function compareScenario(brokers: Brokers, s: Scenario, intentional: Intentional[] = []): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const mineSuffix = selfCheck ? randomBytes(4).toString('hex') : suffix;
  const [raw, theirs] = await Promise.all([runOn(brokers.mine, s.run, mineSuffix), runOn(brokers.reference, s.run, suffix)]);
  const mine = selfCheck ? raw : excuse(raw, theirs, s.name, intentional);
  if (process.env.DIFFERENTIAL_DUMP) appendFileSync(process.env.DIFFERENTIAL_DUMP, JSON.stringify({ scenario: s.name, mine: raw, theirs }, (_k, x) => (typeof x === 'bigint' ? String(x) : x)) + '\n');
  assert.deepStrictEqual(mine, theirs, `${s.name}: ${mineName} (actual) vs Apache Kafka (expected)`);
}
