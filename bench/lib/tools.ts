/**
 * External tools the broker benchmark drives. Nothing is installed at run time: a missing tool is
 * reported with the apt package that provides it. The mock cluster is compiled on demand into the
 * git-ignored bench/.build/ (a C compiler is part of any Debian build environment).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, BUILD_DIR } from './proc.js';

const MOCK_SRC = join(BENCH_DIR, 'mock-cluster', 'mock_cluster.c');
export const MOCK_BIN = join(BUILD_DIR, 'mock_cluster');

function which(cmd: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function kcatVersion(): string {
  return execFileSync('kcat', ['-V'], { encoding: 'utf8' }).split('\n').find((l) => l.startsWith('Version')) ?? 'unknown';
}

/** Throws one message naming every missing piece and the apt packages that bring them. */
export function checkBrokerTools(): void {
  const missing: string[] = [];
  if (!which('kcat')) missing.push('kcat (apt-get install -y kcat)');
  if (!which('cc')) missing.push('a C compiler (apt-get install -y gcc libc6-dev)');
  if (!existsSync('/usr/include/librdkafka/rdkafka_mock.h')) missing.push('librdkafka headers (apt-get install -y librdkafka-dev)');
  if (missing.length) throw new Error(`the broker benchmark needs: ${missing.join('; ')}`);
}

/** Compiles the mock cluster if the binary is missing or older than its source. */
export function buildMockCluster(): string {
  const fresh = existsSync(MOCK_BIN) && statSync(MOCK_BIN).mtimeMs >= statSync(MOCK_SRC).mtimeMs;
  if (!fresh) {
    mkdirSync(BUILD_DIR, { recursive: true });
    execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-o', MOCK_BIN, MOCK_SRC, '-lrdkafka'], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  return MOCK_BIN;
}
