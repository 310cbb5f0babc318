import type { ClusterView } from '../kafka/admin-service.js';
import type { ClusterHistory } from '../kafka/cluster-history.js';
import { partitionKey } from '../broker/index.js';

/**
 * Geometry of the live pictures on /cluster, computed here so the EJS partial only draws:
 * one lane per partition of the app's topic (log start .. end, the current group's committed
 * offset and the consumed part in the owning instance's colour, other groups as ticks), the
 * current group's rebalance timeline, and lag and messages/s per partition over the history.
 * Numbers and colours come from here; every name (topic, group, instance) stays text for EJS.
 */

const PALETTE = ['#0d6efd', '#d63384', '#198754', '#fd7e14', '#6f42c1', '#0dcaf0', '#dc3545', '#6c757d'];
const LINE_PALETTE = ['#0b5ed7', '#ab296a', '#146c43', '#ca6510', '#59359a', '#087990', '#b02a37', '#495057'];
const UNOWNED = '#adb5bd';

export const PICTURE_WIDTH = 760;
const LANE_HEIGHT = 46;
const LEFT = 8;
const BAR_WIDTH = PICTURE_WIDTH - 2 * LEFT;
const CHART_W = 360;
const CHART_H = 90;

export interface LaneMarker {
  group: string;
  offset: string;
  x: number;
}

export interface Lane {
  partition: number;
  y: number;
  logX: number;
  logW: number;
  doneW: number;
  endX: number;
  startOffset: string;
  endOffset: string;
  committed: string | null;
  committedX: number | null;
  lag: string;
  owner: string | null;
  ownerColor: string;
  markers: LaneMarker[];
}

export interface TimelineRow {
  at: string;
  state: string;
  generation: number | null;
  memberCount: number;
  cells: Array<{ partition: number; owner: string | null; color: string }>;
}

export interface ChartLine {
  partition: number;
  color: string;
  points: string;
}

export interface Chart {
  max: number;
  lines: ChartLine[];
}

export interface Pictures {
  topic: string;
  group: string;
  width: number;
  height: number;
  lanes: Lane[];
  legend: Array<{ instance: string; color: string; you: boolean }>;
  timeline: TimelineRow[];
  minutes: number;
  charts: { width: number; height: number; lag: Chart; rate: Chart; now: Array<{ partition: number; color: string; lag: string; rate: string }> } | null;
}

export function buildPictures(opts: { view: ClusterView | undefined; history: ClusterHistory; topic: string; group: string; me: string; now?: number }): Pictures {
  const { view, history, topic, group, me } = opts;
  const colorOf = (instance: string | null) => (instance === null ? UNOWNED : PALETTE[history.instanceIndex(instance) % PALETTE.length]!);
  const t = view?.topics.find((x) => x.name === topic);
  const g = view?.groups.find((x) => x.groupId === group);
  const partitions = t?.partitions ?? [];

  let lo = 0n;
  let hi = 1n;
  if (partitions.length > 0) {
    lo = partitions.reduce((m, p) => (BigInt(p.logStartOffset) < m ? BigInt(p.logStartOffset) : m), BigInt(partitions[0]!.logStartOffset));
    hi = partitions.reduce((m, p) => (BigInt(p.endOffset) > m ? BigInt(p.endOffset) : m), lo + 1n);
  }
  const span = Number(hi - lo);
  const x = (o: bigint) => LEFT + (Number(o - lo) / span) * BAR_WIDTH;
  const round = (n: number) => Math.round(n * 10) / 10;

  const lanes: Lane[] = partitions.map((p, i) => {
    const start = BigInt(p.logStartOffset);
    const end = BigInt(p.endOffset);
    const row = g?.offsets.find((o) => o.topic === topic && o.partition === p.partition);
    const committed = row?.committedOffset ?? null;
    const owner = row?.instance ?? row?.memberId ?? null;
    const markers: LaneMarker[] = [];
    for (const other of view?.groups ?? []) {
      if (other.groupId === group) continue;
      const o = other.offsets.find((r) => r.topic === topic && r.partition === p.partition && r.committedOffset !== null);
      if (o) markers.push({ group: other.groupId, offset: o.committedOffset!, x: round(x(BigInt(o.committedOffset!))) });
    }
    const cx = committed !== null ? x(BigInt(committed)) : null;
    return {
      partition: p.partition,
      y: i * LANE_HEIGHT,
      logX: round(x(start)),
      logW: round(Math.max(1, x(end) - x(start))),
      doneW: cx !== null ? round(Math.max(0, cx - x(start))) : 0,
      endX: round(x(end)),
      startOffset: p.logStartOffset,
      endOffset: p.endOffset,
      committed,
      committedX: cx !== null ? round(cx) : null,
      lag: row?.lag ?? (end - start).toString(),
      owner,
      ownerColor: row?.instance ? colorOf(row.instance) : owner ? PALETTE[PALETTE.length - 1]! : UNOWNED,
      markers,
    };
  });

  const legendIds = new Set<string>();
  for (const m of g?.members ?? []) if (m.instance) legendIds.add(m.instance);
  for (const e of history.rebalances(group)) for (const m of e.members) if (m.instance) legendIds.add(m.instance);
  const legend = [...legendIds].map((instance) => ({ instance, color: colorOf(instance), you: instance === me }));

  const timeline: TimelineRow[] = history
    .rebalances(group)
    .slice(-8)
    .reverse()
    .map((e) => {
      const ownerOf = new Map<number, { owner: string; instance: string | null }>();
      for (const m of e.members) for (const a of m.partitions) if (a.topic === topic) ownerOf.set(a.partition, { owner: m.instance ?? m.id, instance: m.instance });
      return {
        at: new Date(e.at).toISOString().slice(11, 19),
        state: e.state,
        generation: e.generation,
        memberCount: e.members.length,
        cells: partitions.map((p) => {
          const o = ownerOf.get(p.partition);
          return { partition: p.partition, owner: o?.owner ?? null, color: o ? (o.instance ? colorOf(o.instance) : PALETTE[PALETTE.length - 1]!) : UNOWNED };
        }),
      };
    });

  return {
    topic,
    group,
    width: PICTURE_WIDTH,
    height: Math.max(LANE_HEIGHT, lanes.length * LANE_HEIGHT),
    lanes,
    legend,
    timeline,
    minutes: Math.round(history.windowMs / 60_000),
    charts: charts(history, topic, group, partitions.map((p) => p.partition), opts.now ?? Date.now()),
  };
}

function charts(history: ClusterHistory, topic: string, group: string, partitions: number[], now: number): Pictures['charts'] {
  const samples = history.series();
  if (samples.length < 2 || partitions.length === 0) return null;
  // The time axis spans what the history holds (up to the window), so a young history is not
  // squeezed into the right edge.
  const from = Math.max(now - history.windowMs, samples[0]!.at);
  const span = Math.max(1, now - from);
  const tx = (at: number) => Math.round(Math.min(1, Math.max(0, (at - from) / span)) * CHART_W * 10) / 10;
  const lagSeries = new Map<number, Array<[number, number]>>();
  const rateSeries = new Map<number, Array<[number, number]>>();
  for (const p of partitions) {
    const key = partitionKey(topic, p);
    const lags: Array<[number, number]> = [];
    const rates: Array<[number, number]> = [];
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      const end = s.ends.get(key);
      const c = s.committed.get(`${group}\u0000${key}`);
      if (end !== undefined && c !== undefined) lags.push([s.at, Math.max(0, Number(end - c))]);
      const prev = samples[i - 1];
      const before = prev?.ends.get(key);
      if (prev && end !== undefined && before !== undefined && s.at > prev.at) rates.push([s.at, Math.max(0, Number(end - before)) / ((s.at - prev.at) / 1000)]);
    }
    lagSeries.set(p, lags);
    rateSeries.set(p, rates);
  }
  const chart = (series: Map<number, Array<[number, number]>>): Chart => {
    let max = 0;
    for (const pts of series.values()) for (const [, v] of pts) if (v > max) max = v;
    const top = max > 0 ? max : 1;
    const ty = (v: number) => Math.round((CHART_H - 4 - (v / top) * (CHART_H - 8)) * 10) / 10;
    return {
      max: Math.round(max * 10) / 10,
      lines: [...series].map(([partition, pts]) => ({
        partition,
        color: LINE_PALETTE[partition % LINE_PALETTE.length]!,
        points: pts.map(([at, v]) => `${tx(at)},${ty(v)}`).join(' '),
      })),
    };
  };
  const last = (m: Map<number, Array<[number, number]>>, p: number) => m.get(p)?.at(-1)?.[1];
  return {
    width: CHART_W,
    height: CHART_H,
    lag: chart(lagSeries),
    rate: chart(rateSeries),
    now: partitions.map((p) => ({
      partition: p,
      color: LINE_PALETTE[p % LINE_PALETTE.length]!,
      lag: String(last(lagSeries, p) ?? '—'),
      rate: (last(rateSeries, p) ?? 0).toFixed(1),
    })),
  };
}
