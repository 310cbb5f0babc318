/**
 * Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and ranks functions and files by self
 * time. Self time of a node is the sum of the sampling intervals whose sample landed in it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './proc.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  name: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  /** Sampled time from the first request handled by the broker to the end of the profile. */
  totalMs: number;
  /** Start-up time left out (module loading under tsx, before the first request). */
  skippedMs: number;
  /** Share of samples outside JavaScript-idle, i.e. the broker was busy. */
  busyPct: number;
  functions: SelfTime[];
  files: SelfTime[];
  /**
   * Self time charged to the nearest frame on the stack that belongs to this repository's code (by
   * file) or to a package (`node_modules/pino`), so time in Node internals and native bindings
   * (writev, Buffer copies) counts for whoever called them.
   */
  areas: SelfTime[];
}

function areaOf(loc: string): string | undefined {
  if (!loc || loc.startsWith('node:') || loc.startsWith('/')) return undefined;
  const parts = loc.split('/');
  if (parts[0] === 'node_modules') return parts[1]?.startsWith('@') ? parts.slice(0, 3).join('/') : parts.slice(0, 2).join('/');
  return parts[0] === 'src' ? loc : parts[0];
}

function where(url: string): string {
  if (!url) return '';
  let path = url;
  if (url.startsWith('file://')) {
    try {
      path = fileURLToPath(url);
    } catch {
      // keep the URL as it is
    }
  }
  const rel = relative(REPO_ROOT, path);
  if (rel.startsWith('..')) return path;
  // The app and the broker CLI run compiled (dist/x.js, what `npm start` and `npm run broker` run);
  // name the source file it came from so the ranking reads like the tree. Line numbers stay dist's.
  const m = /^dist\/(.+)\.js$/.exec(rel);
  return m ? `src/${m[1]}.ts` : rel;
}

/**
 * `startMarker`: a path fragment (e.g. `src/broker/server/`); samples before the first one whose
 * stack contains a frame from it are start-up, and are left out of the ranking.
 */
export function summariseProfile(file: string, top = 15, startMarker?: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inStack = (id: number, fragment: string): boolean => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      if (where(byId.get(cur)?.callFrame.url ?? '').includes(fragment)) return true;
    }
    return false;
  };
  let first = 0;
  if (startMarker) {
    const hit = profile.samples.findIndex((id) => inStack(id, startMarker));
    first = hit === -1 ? 0 : hit;
  }
  const fn = new Map<string, number>();
  const files = new Map<string, number>();
  const areas = new Map<string, number>();
  const areaCache = new Map<number, string>();
  const ownerArea = (id: number): string => {
    const cached = areaCache.get(id);
    if (cached) return cached;
    let found: string | undefined;
    for (let cur: number | undefined = id; cur !== undefined && !found; cur = parent.get(cur)) {
      found = areaOf(where(byId.get(cur)?.callFrame.url ?? ''));
    }
    const name = byId.get(id)?.callFrame.functionName ?? '';
    const area = found ?? (name.startsWith('(') ? name : 'node internals (no app frame on the stack)');
    areaCache.set(id, area);
    return area;
  };
  let total = 0;
  let idle = 0;
  let skipped = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    if (!node || dt <= 0) continue;
    if (i < first) {
      skipped += dt;
      continue;
    }
    total += dt;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += dt;
      continue;
    }
    const loc = where(url);
    const line = lineNumber > 0 ? `:${lineNumber + 1}` : '';
    const key = loc ? `${loc}:${functionName || '(anonymous)'}${line}` : functionName || '(anonymous)';
    const area = ownerArea(node.id);
    areas.set(area, (areas.get(area) ?? 0) + dt);
    fn.set(key, (fn.get(key) ?? 0) + dt);
    const fileKey = loc ? (loc.startsWith('node:') ? 'node: internals' : loc) : functionName;
    files.set(fileKey, (files.get(fileKey) ?? 0) + dt);
  }
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, pct: total > 0 ? (ms / total) * 100 : 0 }));
  return { totalMs: total, skippedMs: skipped, busyPct: total > 0 ? ((total - idle) / total) * 100 : 0, functions: rank(fn), files: rank(files), areas: rank(areas) };
}

export function formatSummary(s: ProfileSummary): string {
  const lines = [
    `${s.totalMs.toFixed(0)} ms sampled from the first request on (${s.skippedMs.toFixed(0)} ms of start-up left out); main thread busy ${s.busyPct.toFixed(0)}% of it, idle the rest.`,
    '',
    '| ms | % | nearest own file or package on the stack (self time incl. the Node/native calls it made) |',
    '|---:|---:|---|',
    ...s.areas.map((f) => `| ${f.ms.toFixed(0)} | ${f.pct.toFixed(1)} | \`${f.name}\` |`),
    '',
    '| self ms | % | function (file:function:line) |',
    '|---:|---:|---|',
    ...s.functions.map((f) => `| ${f.ms.toFixed(0)} | ${f.pct.toFixed(1)} | \`${f.name}\` |`),
    '',
    '| self ms | % | file |',
    '|---:|---:|---|',
    ...s.files.map((f) => `| ${f.ms.toFixed(0)} | ${f.pct.toFixed(1)} | \`${f.name}\` |`),
  ];
  return lines.join('\n');
}

/**
 * The main thread's profile in a --cpu-prof-dir. Node writes one file per thread,
 * CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile; tsx's loader hooks run on a worker thread, the
 * program itself on thread 0.
 */
export function mainThreadProfile(dir: string): string {
  const found = readdirSync(dir).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (!found) throw new Error(`no main-thread profile in ${dir}`);
  return join(dir, found);
}
