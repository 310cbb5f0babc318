/** Run settings and a description of the machine, recorded with every result. */
import { cpus, loadavg, totalmem, release } from 'node:os';
import { execFileSync } from 'node:child_process';
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

/** Load average now; warns when the machine is already busy, since every figure then suffers. */
export function checkLoad(): number[] {
  const l = loadavg();
  if (l[0] > 1) log(`warning: load average ${l[0].toFixed(1)} before the run; on a busy machine the figures are noisy and low`);
  return l;
}

/** The commit measured, and whether src/ had uncommitted changes (then the figures are for those). */
export function revision(): { commit: string; srcModified: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'views', 'package.json'], { encoding: 'utf8' }).trim() !== '';
    return { commit, srcModified: dirty };
  } catch {
    return { commit: 'unknown', srcModified: false };
  }
}
