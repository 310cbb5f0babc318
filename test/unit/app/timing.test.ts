import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, TimeoutError, withTimeout } from '../../../src/kafka/timing.js';
import { safeLocalPath } from '../../../src/web/routes/lang.js';
import { bodyLimits } from '../../../src/web/app.js';

test('backoff doubles from the initial delay and is capped, with bounded jitter', () => {
  const opts = { initialMs: 100, maxMs: 1000 };
  const mid = () => 0.5; // jitter factor exactly 1
  assert.deepEqual([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, opts, mid)), [100, 200, 400, 800, 1000, 1000]);
  assert.equal(backoffDelay(0, opts, () => 0), 80);
  assert.equal(backoffDelay(0, opts, () => 0.999999), 120);
  assert.equal(backoffDelay(50, opts, () => 0.999999), 1000);
});

test('withTimeout rejects late promises and passes through timely ones', async () => {
  assert.equal(await withTimeout(Promise.resolve(7), 1000, 'slow'), 7);
  await assert.rejects(withTimeout(new Promise(() => {}), 10, 'too slow'), (e: unknown) => e instanceof TimeoutError && e.message === 'too slow');
  await assert.rejects(withTimeout(Promise.reject(new Error('boom')), 1000, 'slow'), /boom/);
});

test('language switch only redirects to local paths', () => {
  assert.equal(safeLocalPath('/consume'), '/consume');
  assert.equal(safeLocalPath('//evil.example/'), '/');
  assert.equal(safeLocalPath('/\\evil.example'), '/');
  assert.equal(safeLocalPath('https://evil.example'), '/');
  assert.equal(safeLocalPath(undefined), '/');
});

test('body limits stay above the message limit for both encodings', () => {
  const { json, form } = bodyLimits(1_048_576);
  assert.ok(json > 1_048_576 && form > 3 * 1_048_576);
});
