import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { resolveSecrets } from '../../../src/web/secrets.js';

function capture() {
  const lines: Array<{ level: number; msg: string; missing?: string[] }> = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _e, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  return { logger, lines };
}

test('configured secrets are used as given, without a warning', () => {
  const { logger, lines } = capture();
  const s = resolveSecrets({ session: 'a'.repeat(32), csrf: 'b'.repeat(32) }, logger);
  assert.deepEqual(s, { session: 'a'.repeat(32), csrf: 'b'.repeat(32) });
  assert.equal(lines.length, 0);
});

test('missing secrets are generated per process, differ each time, and are warned about by name', () => {
  const { logger, lines } = capture();
  const one = resolveSecrets({ session: 'a'.repeat(32) }, logger);
  const two = resolveSecrets({}, logger);
  assert.equal(one.session, 'a'.repeat(32));
  assert.match(one.csrf, /^[0-9a-f]{64}$/);
  assert.notEqual(one.csrf, two.csrf);
  assert.notEqual(two.session, two.csrf);
  assert.deepEqual(lines.map((l) => [l.level, l.missing]), [
    [40, ['CSRF_SECRET']],
    [40, ['SESSION_SECRET', 'CSRF_SECRET']],
  ]);
});
