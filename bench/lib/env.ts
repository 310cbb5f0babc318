/** Run settings and a description of the machine, recorded with every result. */
import { cpus, totalmem, release } from 'node:os';
import { readFileSync } from 'node:fs';

/** Repetitions for the parts where several runs are cheap (BENCH_RUNS, default 3). */
export function runs(): number {
  const n = Number(process.env.BENCH_RUNS ?? 3);
  return Number.isInteger(n) && n >= 1 ? n : 3;
}

export function machine(): Record<string, string | number> {
  let debian = '';
  try {
    debian = readFileSync('/etc/debian_version', 'utf8').trim();
  } catch {
    // not Debian
  }
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    debian,
    node: process.version,
  };
}

export const log = (s: string) => process.stderr.write(`${s}\n`);
