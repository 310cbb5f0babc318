import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiateLocale, translator } from '../../../src/i18n/index.js';
import { en } from '../../../src/i18n/en.js';
import { zhTW } from '../../../src/i18n/zh-TW.js';

test('Accept-Language negotiation honours q-values and maps Chinese to zh-TW', () => {
  assert.equal(negotiateLocale(undefined), 'en');
  assert.equal(negotiateLocale(''), 'en');
  assert.equal(negotiateLocale('zh-TW,zh;q=0.9,en;q=0.8'), 'zh-TW');
  assert.equal(negotiateLocale('en-US,en;q=0.9,zh-TW;q=0.8'), 'en');
  assert.equal(negotiateLocale('fr-FR, zh-Hant;q=0.5, en;q=0.4'), 'zh-TW');
  assert.equal(negotiateLocale('de, en;q=0.9, zh;q=0.95'), 'zh-TW');
  assert.equal(negotiateLocale('zh-TW;q=0, en'), 'en');
  assert.equal(negotiateLocale('fr, de'), 'en');
});

test('translations interpolate parameters and cover every key', () => {
  const t = translator('zh-TW');
  assert.equal(t('produce.sent', { topic: 'test-topic', partition: 2, offset: '17' }), '已送到 test-topic，分區 2，位移 17。');
  assert.equal(translator('en')('produce.sent', { topic: 'test-topic', partition: 2, offset: '17' }), 'Sent to test-topic, partition 2, offset 17.');
  assert.deepEqual(Object.keys(zhTW).sort(), Object.keys(en).sort());
  for (const [key, text] of Object.entries(en)) {
    const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    assert.deepEqual(params(zhTW[key as keyof typeof en]), params(text), `placeholders differ for ${key}`);
  }
});
