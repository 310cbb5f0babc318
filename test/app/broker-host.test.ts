/**
 * Who hosts the embedded broker, as Home, /cluster, /api/cluster and /metrics show it: two apps in
 * this process in embedded mode on one free port and one data directory. The first hosts, the
 * second joins; the host's instance id is user data and must be escaped. Stopping the host hands
 * the broker to the other, which then says so everywhere.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { RunningApp } from '../../src/main.js';
import { Client, startTestApp, tempDir, waitFor } from './harness.js';
import { freePort } from '../helpers/ports.js';

const HOST_ID = '<i>host&a</i>';
let dataDir: string;
let first: RunningApp;
let second: RunningApp;


const cell = (html: string) => /data-testid="broker-host">([^<]*)</.exec(html)?.[1];

before(async () => {
  dataDir = tempDir('kwd-host-data-');
  const env = { EMBEDDED_PORT: String(await freePort()), EMBEDDED_DATA_DIR: dataDir, KAFKA_GROUP_ID: 'broker-host-group' };
  first = await startTestApp('embedded', { env: { ...env, INSTANCE_ID: HOST_ID } });
  second = await startTestApp('embedded', { env: { ...env, INSTANCE_ID: 'second' } });
});

after(async () => {
  await second?.stop();
  await first?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('the host and the joined instance name the host, escaped, in English and Chinese', async () => {
  assert.equal(first.broker.mode, 'embedded-started');
  assert.equal(second.broker.mode, 'embedded-joined');
  const escapedId = '&lt;i&gt;host&amp;a&lt;/i&gt;';

  const home1 = await new Client(first.url).get('/');
  assert.equal(cell(home1.text), `this instance (${escapedId}, pid ${process.pid}), since ${first.broker.status().host!.since}`);
  assert.ok(!home1.text.includes(HOST_ID), 'the raw id never reaches the page');
  const home2 = await new Client(second.url).get('/');
  assert.match(cell(home2.text) ?? '', new RegExp(`^instance ${escapedId} \\(pid ${process.pid}\\), since \\d{4}-`));
  const zh = await new Client(second.url).get('/', { 'accept-language': 'zh-TW' });
  assert.match(cell(zh.text) ?? '', new RegExp(`^執行個體 ${escapedId}（pid ${process.pid}）`));
  const cluster = await new Client(second.url).get('/cluster');
  assert.equal(cell(cluster.text), cell(home2.text));

  const api1 = (await new Client(first.url).get('/api/cluster')).json();
  const api2 = (await new Client(second.url).get('/api/cluster')).json();
  assert.deepEqual(api1.broker.host, { instanceId: HOST_ID, pid: process.pid, since: api1.broker.host.since, self: true });
  assert.equal(api2.broker.host.instanceId, HOST_ID);
  assert.equal(api2.broker.mode, 'embedded-joined');
  assert.equal(api2.broker.reachable, true);

  const m1 = (await new Client(first.url).get('/metrics')).text;
  const m2 = (await new Client(second.url).get('/metrics')).text;
  assert.match(m1, /^kafka_web_demo_broker_hosted_here 1$/m);
  assert.match(m2, /^kafka_web_demo_broker_hosted_here 0$/m);
  assert.match(m2, /^kafka_web_demo_broker_handoffs_total\{role="took_over"\} 0$/m);
});

test('stopping the host hands the broker to the other instance, which then reports itself', async () => {
  await first.stop();
  const api = await waitFor('the second instance hosts', async () => {
    const body = (await new Client(second.url).get('/api/cluster')).json();
    return body.broker.mode === 'embedded-started' && body.broker.host?.self && body.cluster ? body : undefined;
  });
  assert.equal(api.broker.host.instanceId, 'second');
  assert.equal(api.broker.handoffs, 1);
  const lock = JSON.parse(fs.readFileSync(`${dataDir}/.lock`, 'utf8')) as { owner: string; port: number };
  assert.equal(lock.owner, 'second');
  assert.match(cell((await new Client(second.url).get('/')).text) ?? '', /^this instance \(second, pid \d+\)/);
  const metrics = (await new Client(second.url).get('/metrics')).text;
  assert.match(metrics, /^kafka_web_demo_broker_handoffs_total\{role="took_over"\} 1$/m);
  assert.match(metrics, /^kafka_web_demo_broker_hosted_here 1$/m);
  // The service works on the new host.
  const sent = await waitFor('a send through the new host', async () => {
    const res = await new Client(second.url).postJson('/api/messages', { value: 'after the hand-off' });
    return res.status === 201 ? res.json() : undefined;
  });
  assert.equal(typeof sent.offset, 'string');
});
