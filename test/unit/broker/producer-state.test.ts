import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ProducerStateManager } from '../../../src/broker/producers/producer-state.js';
import { ErrorCode } from '../../../src/broker/protocol/errors.js';
import { tempDir } from '../../helpers/temp.js';

describe('ProducerStateManager', () => {
  it('hands out ids that stay unique across a reopen', async () => {
    const dir = tempDir('pid-');
    try {
      const a = await ProducerStateManager.open(dir);
      const first = await a.allocate();
      const second = await a.allocate();
      assert.notEqual(first.producerId, second.producerId);
      const b = await ProducerStateManager.open(dir);
      const third = await b.allocate();
      assert.ok(third.producerId > second.producerId);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts in-order batches, recognises retries and rejects gaps and fenced epochs', async () => {
    const dir = tempDir('pid-');
    try {
      const m = await ProducerStateManager.open(dir);
      const first = m.check('t', 0, 7n, 0, 0, 3);
      assert.equal(first.kind, 'append');
      if (first.kind === 'append') first.record(Promise.resolve(10n));

      const retry = m.check('t', 0, 7n, 0, 0, 3);
      assert.equal(retry.kind, 'duplicate');
      if (retry.kind === 'duplicate') assert.equal(await retry.baseOffset, 10n);

      const next = m.check('t', 0, 7n, 0, 3, 2);
      assert.equal(next.kind, 'append');
      if (next.kind === 'append') next.record(Promise.resolve(13n));

      const gap = m.check('t', 0, 7n, 0, 9, 1);
      assert.deepEqual(gap, { kind: 'reject', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });

      const bumped = m.check('t', 0, 7n, 1, 0, 1);
      assert.equal(bumped.kind, 'append');
      if (bumped.kind === 'append') bumped.record(Promise.resolve(15n));
      assert.deepEqual(m.check('t', 0, 7n, 0, 5, 1), { kind: 'reject', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });

      // Other partitions are tracked separately.
      assert.equal(m.check('t', 1, 7n, 0, 0, 1).kind, 'append');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('forgets a batch whose write failed, so the producer is not stuck ahead of the log', async () => {
    const dir = tempDir('pid-');
    try {
      const m = await ProducerStateManager.open(dir);
      const c = m.check('t', 0, 1n, 0, 0, 1);
      assert.equal(c.kind, 'append');
      const failed = Promise.reject(new Error('disk full'));
      if (c.kind === 'append') c.record(failed);
      await failed.catch(() => undefined);
      await new Promise((r) => setImmediate(r));
      assert.equal(m.check('t', 0, 1n, 0, 0, 1).kind, 'append');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
