import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { LogManager, type LogDefaults } from '../../../src/broker/storage/log-manager.js';
import { decodeRecordBatch, encodeRecordBatch, batchSizeAt, type NewRecord, type Record } from '../../../src/broker/protocol/record-batch.js';

export const DEFAULTS: LogDefaults = {
  segmentBytes: 1_073_741_824,
  segmentMs: 604_800_000,
  retentionMs: 604_800_000,
  retentionBytes: -1,
};

export interface CapturedLog {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** A real pino logger whose lines are kept in memory, so tests can assert on warnings. */
export function memoryLogger(): { logger: Logger; lines: CapturedLog[] } {
  const lines: CapturedLog[] = [];
  const stream = {
    write(s: string) {
      lines.push(JSON.parse(s) as CapturedLog);
    },
  };
  return { logger: pino({ level: 'debug' }, stream), lines };
}

export { removeDir, tempDir } from '../../helpers/temp.js';

export async function openManager(
  dataDir: string,
  defaults: Partial<LogDefaults> = {},
  limits: { maxOpenFiles?: number; maxPartitions?: number } = {},
) {
  const { logger, lines } = memoryLogger();
  const mgr = await LogManager.open({ dataDir, defaults: { ...DEFAULTS, ...defaults }, logger, ...limits });
  return { mgr, lines };
}

/** A batch of `n` records with values `${prefix}-${i}`. */
export function batch(n: number, prefix = 'v', timestamp?: number, valueBytes = 0): Buffer {
  const records: NewRecord[] = [];
  for (let i = 0; i < n; i++) {
    const value = valueBytes > 0 ? Buffer.alloc(valueBytes, i % 251) : `${prefix}-${i}`;
    records.push({ key: `k${i}`, value, timestamp });
  }
  return encodeRecordBatch(records);
}

/** Decodes every batch in a read result. */
export function decodeAll(buf: Buffer): { baseOffsets: bigint[]; records: Record[] } {
  const baseOffsets: bigint[] = [];
  const records: Record[] = [];
  for (let at = 0; at < buf.length; ) {
    const size = batchSizeAt(buf, at);
    if (size < 0 || at + size > buf.length) throw new Error(`partial batch at ${at}`);
    const { header, records: rs } = decodeRecordBatch(buf, at);
    baseOffsets.push(header.baseOffset);
    records.push(...rs);
    at += size;
  }
  return { baseOffsets, records };
}

/** Descriptors of this process that point into `dir` (Linux /proc). */
export function openFilesUnder(dir: string): string[] {
  const root = fs.realpathSync(dir);
  return fs
    .readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((target) => target.startsWith(root + path.sep));
}
