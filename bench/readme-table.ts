/**
 * README's performance table, rendered from a committed run (bench/results/<date>.json), so every
 * figure README cites is in the data it links to. test/unit/ops/readme-performance.test.ts fails
 * when README's table differs from what the run it cites renders to.
 *
 *   npx tsx bench/readme-table.ts bench/results/2026-12-01.json           print the table
 *   npx tsx bench/readme-table.ts bench/results/2026-12-01.json --write   put it (and the run's
 *                                                                          link and commit) into README
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { show, type Row } from './lib/report.js';

export interface PublishedRun {
  date: string;
  revision: { commit: string; srcModified: boolean };
  underLoad: boolean;
  rows: Row[];
}

/** One README row: its label and how its value and target come out of the run's rows. */
interface Line {
  label: string;
  value(run: Figures): string;
  target(run: Figures): string;
}

class Figures {
  constructor(private readonly rows: Row[]) {}

  get(name: string): Row {
    const r = this.rows.find((x) => x.name === name);
    if (!r) throw new Error(`the run has no row "${name}"`);
    return r;
  }

  /** A ratio as the bench prints it: `0.85x`. */
  x(name: string, digits = 2): string {
    return `${show(this.get(name).value, digits)}x`;
  }

  /** Milliseconds shown in seconds. */
  s(name: string, digits = 2): string {
    return `${show(this.get(name).value / 1000, digits)} s`;
  }

  mb(name: string): string {
    return `${show(this.get(name).value, 0)} MB`;
  }

  ms(name: string, digits = 1): string {
    return `${show(this.get(name).value, digits)} ms`;
  }

  /** The row's own target, in the unit the value is shown in. */
  target(name: string, as: 'x' | 's' | 'ms' = 'x'): string {
    const t = this.get(name).target;
    if (!t) throw new Error(`row "${name}" has no target`);
    if (as === 's') return `${t.op} ${show(t.value / 1000, 0)} s`;
    if (as === 'ms') return `${t.op} ${show(t.value, 0)} ms`;
    return `${t.op} ${show(t.value, Number.isInteger(t.value * 10) ? 1 : 2)}x`;
  }
}

const KAFKA = 'Kafka 3.9.1';

const LINES: Line[] = [
  {
    label: `kcat produce / consume 1M x 100 B, embedded vs Apache ${KAFKA}`,
    value: (f) => `${f.x(`produce ratio embedded / ${KAFKA} (kcat)`)} / ${f.x(`consume ratio embedded / ${KAFKA} (kcat, 1M)`)}`,
    target: (f) => f.target(`produce ratio embedded / ${KAFKA} (kcat)`),
  },
  {
    label: 'kafka-producer-perf-test 1M x 100 B, embedded vs Kafka',
    value: (f) => f.x(`produce ratio embedded / ${KAFKA} (perf-test)`),
    target: (f) => f.target(`produce ratio embedded / ${KAFKA} (perf-test)`),
  },
  {
    label: 'start-up to first acknowledged produce, embedded vs Kafka',
    value: (f) =>
      `${f.s('start-up to first acknowledged produce, embedded')} vs ${f.s(`start-up to first acknowledged produce, ${KAFKA}`, 1)} (${f.x(`start-up ratio embedded / ${KAFKA}`)})`,
    target: (f) => f.target(`start-up ratio embedded / ${KAFKA}`),
  },
  {
    label: 'broker RSS after 1 GB of log, embedded vs Kafka',
    value: (f) => `${f.mb('broker RSS, 1 GB of log').replace(' MB', '')} vs ${f.mb(`RSS after 1 GB of log, ${KAFKA}`)} (${f.x(`broker RSS after 1 GB of log, embedded / ${KAFKA}`)})`,
    target: (f) => f.target(`broker RSS after 1 GB of log, embedded / ${KAFKA}`),
  },
  {
    label: "kcat produce 1M x 100 B, embedded vs librdkafka's in-memory mock cluster",
    value: (f) => f.x('produce ratio embedded / mock'),
    target: (f) => f.target('produce ratio embedded / mock'),
  },
  {
    label: 'broker RSS after 1 GB / after 10 MB of log',
    value: (f) => f.x('broker RSS ratio 1 GB / 10 MB'),
    target: (f) => f.target('broker RSS ratio 1 GB / 10 MB'),
  },
  {
    label: 'web `POST /api/messages` (acks=all) vs bare Express',
    value: (f) => f.x('web produce ratio app / bare'),
    target: (f) => f.target('web produce ratio app / bare'),
  },
  {
    label: 'e2e HTTP produce -> SSE arrival at 500 msg/s, p99 (app / bare kafkajs)',
    value: (f) => `${f.ms('HTTP produce -> SSE arrival, p99', 0)} (${f.x('e2e p99 ratio app / bare kafkajs')})`,
    target: (f) => `${f.target('HTTP produce -> SSE arrival, p99', 'ms')}, ${f.target('e2e p99 ratio app / bare kafkajs')}`,
  },
  {
    label: 'app RSS under the web load (peak)',
    value: (f) => f.mb('app RSS under the part-3 web load (peak)'),
    target: (f) => {
      const t = f.get('app RSS under the part-3 web load (peak)').target!;
      return `${t.op} ${show(t.value, 0)} MB`;
    },
  },
  {
    label: 'consumer group failover: graceful handover (SIGTERM) / crash takeover (SIGKILL) to first consume',
    value: (f) => `${f.s('graceful handover (SIGTERM) to first consume')} / ${f.s('crash takeover (SIGKILL) to first consume', 1)}`,
    target: (f) => `${f.target('graceful handover (SIGTERM) to first consume', 's')} / ${f.target('crash takeover (SIGKILL) to first consume', 's')}`,
  },
  {
    label: 'embedded broker hand-off: host kill -9 to survivors consuming again / host SIGTERM longest produce gap',
    value: (f) => `${f.s('embedded host SIGKILL to survivors consuming again')} / ${f.s('embedded host SIGTERM: longest produce gap')}`,
    target: (f) => `${f.target('embedded host SIGKILL to survivors consuming again', 's')} / ${f.target('embedded host SIGTERM: longest produce gap', 's')}`,
  },
];

export function readmePerformanceTable(run: PublishedRun): string {
  const f = new Figures(run.rows);
  const when = `${run.date.slice(0, 10)}${run.underLoad ? ', under load' : ''}`;
  const rows = LINES.map((l) => `| ${l.label} | ${l.value(f)} | ${l.target(f)} |`);
  return [`| measure (${when}) | value | target |`, '|---|---:|---|', ...rows].join('\n');
}

/** The sentence that names the run README cites: its file and the commit it measured. */
export function citation(file: string, run: PublishedRun): string {
  return `The latest run, [\`bench/results/${basename(file)}\`](bench/results/${basename(file)}) (commit \`${run.revision.commit}\`)`;
}

export const CITATION = /The latest run, \[`bench\/results\/([\w.-]+\.json)`\]\(bench\/results\/\1\) \(commit `(\w+)`\)/;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: tsx bench/readme-table.ts bench/results/<date>.json [--write]');
  const run = JSON.parse(readFileSync(file, 'utf8')) as PublishedRun;
  const table = readmePerformanceTable(run);
  if (!process.argv.includes('--write')) {
    console.log(table);
  } else {
    const readmePath = join(fileURLToPath(new URL('..', import.meta.url)), 'README.md');
    let readme = readFileSync(readmePath, 'utf8');
    if (!CITATION.test(readme)) throw new Error('README.md has no "The latest run, [...] (commit ...)" sentence to update');
    readme = readme.replace(CITATION, citation(file, run));
    const lines = readme.split('\n');
    const start = lines.findIndex((l) => l.startsWith('| measure ('));
    if (start === -1) throw new Error('README.md has no "| measure (" table to replace');
    let end = start;
    while (end < lines.length && lines[end]!.startsWith('|')) end++;
    lines.splice(start, end - start, ...table.split('\n'));
    writeFileSync(readmePath, lines.join('\n'));
    console.log(`README.md: performance table and citation now from ${file}`);
  }
}
