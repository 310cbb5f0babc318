import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { OffsetToCommit } from '../../../src/kafka/gateway/index.js';
import { CommitCoalescer } from '../../../src/kafka/commit-coalescer.js';

describe('CommitCoalescer', () => {
  it('joins commits that wait behind an in-flight one, keeping the highest offset per partition', async () => {
    const requests: OffsetToCommit[][] = [];
    let release: () => void = () => undefined;
    const c = new CommitCoalescer(async (offsets) => {
      requests.push(offsets);
      if (requests.length === 1) await new Promise<void>((r) => (release = r));
    });
    const first = c.commit('t', 0, '1');
    const waiting = [c.commit('t', 1, '5'), c.commit('t', 0, '3'), c.commit('t', 0, '2')];
    release();
    await Promise.all([first, ...waiting]);
    assert.deepEqual(requests, [
      [{ topic: 't', partition: 0, offset: '1' }],
      [
        { topic: 't', partition: 1, offset: '5' },
        { topic: 't', partition: 0, offset: '3' },
      ],
    ]);
  });

  it('rejects every caller whose offsets were in a failed request, then carries on', async () => {
    let fail = true;
    const c = new CommitCoalescer(async () => {
      if (fail) throw new Error('rebalancing');
    });
    await assert.rejects(c.commit('t', 0, '1'), /rebalancing/);
    fail = false;
    await c.commit('t', 0, '2');
  });

  it('idle() waits until every requested commit has been answered', async () => {
    const answered: string[] = [];
    let release: () => void = () => undefined;
    const c = new CommitCoalescer(async (offsets) => {
      await new Promise<void>((r) => (release = r));
      answered.push(...offsets.map((o) => o.offset));
    });
    void c.commit('t', 0, '1');
    let idle = false;
    const waiting = c.idle().then(() => (idle = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(idle, false);
    void c.commit('t', 0, '2');
    release();
    await new Promise((r) => setImmediate(r));
    release();
    await waiting;
    assert.deepEqual(answered, ['1', '2']);
  });
});
