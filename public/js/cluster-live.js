// Live refresh of the group view: polls /api/cluster?rows=1 and replaces the topic and group
// tables with the page's own <template> (views/partials/cluster-live.ejs) filled by
// row-template.js from the rows the server computed, through textContent only, so
// broker-supplied names stay text. Without JavaScript the server-rendered page and its Refresh
// button do the same job.
(function () {
  'use strict';
  var root = document.getElementById('cluster-live');
  if (!root || !window.fetch) return;
  var text = JSON.parse(root.getAttribute('data-i18n') || '{}');
  var src = root.getAttribute('data-src') + '?rows=1';
  var template = window.rowTemplate ? document.getElementById('cluster-data-template') : null;
  var EVERY_MS = 3000;
  var busy = false;

  function t(key, params) {
    var s = text[key] || key;
    return s.replace(/\{(\w+)\}/g, function (whole, name) {
      return params && Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole;
    });
  }

  function when(iso) {
    return new Date(iso).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
  }

  function fillList(id, values) {
    var list = document.getElementById(id);
    if (!list) return;
    list.replaceChildren.apply(list, values.map(function (v) {
      var option = document.createElement('option');
      option.setAttribute('value', v);
      return option;
    }));
  }

  function setLive(name, value) {
    var node = root.querySelector('[data-live="' + name + '"]');
    if (node) node.textContent = value;
  }

  function renderInstance(inst) {
    setLive('group', inst.groupId);
    setLive('partitions', inst.consumer.partitions.length ? inst.consumer.partitions.join(', ') : t('home.partitionsNone'));
    var badge = root.querySelector('[data-live="state"] .badge');
    if (badge) {
      badge.textContent = t('state.' + inst.consumer.state);
      badge.setAttribute('data-state', inst.consumer.state);
    }
    var f = inst.failure;
    var line = f.exiting ? t('failure.banner.exiting')
      : f.stalling ? t('failure.banner.stalling', { since: when(f.stalling.since), until: when(f.stalling.until) })
      : f.mode === 'no-commit-crash' ? t('failure.banner.crash', { remaining: f.remaining })
      : f.mode === 'stall' ? t('failure.banner.stallArmed', { remaining: f.remaining, ms: f.stallMs })
      : t('cluster.failureOffState');
    setLive('failure', line);
  }

  // Same wording as src/web/broker-host-text.ts.
  function brokerHost(b) {
    if (b.mode === 'external') return t('broker.host.external');
    var h = b.host;
    var line = !h ? t('broker.host.unknown')
      : h.self ? t('broker.host.self', { instance: h.instanceId || '', pid: h.pid, since: h.since || '?' })
      : h.instanceId ? t('broker.host.other', { instance: h.instanceId, pid: h.pid, since: h.since || '?' })
      : t('broker.host.standalone', { pid: h.pid });
    return b.reachable ? line : line + ' ' + t('broker.host.unreachable');
  }

  function status(message) {
    var node = document.getElementById('live-status');
    if (node) node.textContent = message ? t('cluster.livePaused', { reason: message }) : '';
  }

  function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(src, { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (res) {
        return res.json().then(function (body) { return { ok: res.ok, body: body }; });
      })
      .then(function (r) {
        if (r.body.instance) renderInstance(r.body.instance);
        if (r.body.broker) setLive('broker-host', brokerHost(r.body.broker));
        if (!r.ok || !r.body.cluster) {
          status(r.body.error || 'HTTP error');
          return;
        }
        var c = r.body.cluster;
        var data = document.getElementById('cluster-data');
        if (data && template && r.body.rows) data.replaceWith(window.rowTemplate.fill(template, r.body.rows));
        fillList('group-list', c.groups.map(function (g) { return g.groupId; }));
        fillList('topic-list', c.topics.map(function (x) { return x.name; }));
        var updated = document.getElementById('updated-at');
        if (updated) updated.textContent = t('cluster.updatedAt', { time: when(c.fetchedAt) });
        status('');
      })
      .catch(function (err) {
        status(err && err.message ? err.message : String(err));
      })
      .then(function () {
        busy = false;
      });
  }

  setInterval(refresh, EVERY_MS);
  document.addEventListener('visibilitychange', refresh);
})();
