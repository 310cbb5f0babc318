/**
 * A client that sends malformed frames over and over must not flood the broker's log: each one
 * still closes its connection, but the warning is rate-limited per broker, with a count of what
 * was suppressed. Before, every malformed frame wrote its own warning (12,640 lines in 10 s).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startTestBroker } from '../../helpers/broker.js';
import { RawConnection, apiVersionsRequest, readApiVersionsV0 } from '../../helpers/raw-client.js';

test('malformed frames close their connections, and the warnings about them are rate-limited with a count', async () => {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  const tb = await startTestBroker({ logger: pino({ level: 'info' }, sink) });
  try {
    const ATTEMPTS = 200;
    let closed = 0;
    for (let round = 0; round < ATTEMPTS / 20; round++) {
      const conns = await Promise.all(Array.from({ length: 20 }, () => RawConnection.connect(tb.port)));
      // A 2-byte frame cannot hold a request header.
      for (const c of conns) c.write(Buffer.from([0, 0, 0, 2, 0, 0]));
      const results = await Promise.all(conns.map((c) => c.waitForClose(10_000)));
      closed += results.filter(Boolean).length;
      for (const c of conns) c.destroy();
    }
    assert.equal(closed, ATTEMPTS, 'every malformed connection was closed by the broker');

    const malformed = lines.filter((l) => String(l.msg).startsWith('closing connection after a malformed request'));
    const written = malformed.filter((l) => l.suppressed === undefined);
    assert.ok(written.length >= 1 && written.length <= 10, `${written.length} individual warnings`);

    // The broker still serves, and the suppressed ones are accounted for once the window ends
    // (the summary comes from a timer; wait for it rather than for a time).
    const c = await RawConnection.connect(tb.port);
    c.write(apiVersionsRequest(0, 1));
    assert.equal(readApiVersionsV0((await c.nextResponse()).body).errorCode, 0);
    c.destroy();
    const until = Date.now() + 30_000;
    const counted = () =>
      lines.filter((l) => String(l.msg).startsWith('closing connection after a malformed request')).reduce((n, l) => n + (typeof l.suppressed === 'number' ? l.suppressed : 1), 0);
    while (counted() < ATTEMPTS && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    assert.equal(counted(), ATTEMPTS, 'written + suppressed = every malformed frame');
  } finally {
    await tb.cleanup();
  }
});
