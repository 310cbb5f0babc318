// Live refresh of the group view: polls /api/cluster and rebuilds the topic and group tables
// with DOM calls and textContent only (no HTML strings), so broker-supplied names stay text.
// Without JavaScript the server-rendered page and its Refresh button do the same job.
(function () {
  'use strict';
  var root = document.getElementById('cluster-live');
  if (!root || !window.fetch) return;
  var text = JSON.parse(root.getAttribute('data-i18n') || '{}');
  var me = root.getAttribute('data-instance');
  var src = root.getAttribute('data-src');
  var EVERY_MS = 3000;
  var busy = false;

  function t(key, params) {
    var s = text[key] || key;
    return s.replace(/\{(\w+)\}/g, function (whole, name) {
      return params && Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole;
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      if (c) node.appendChild(c);
    });
    return node;
  }

  function when(iso) {
    return new Date(iso).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
  }

  function tone(state) {
    return { Stable: 'success', Empty: 'secondary', PreparingRebalance: 'warning', CompletingRebalance: 'warning', Dead: 'dark' }[state] || 'secondary';
  }

  function table(testid, heads, rows) {
    var headRow = el('tr', {}, heads.map(function (h) {
      return el('th', { scope: 'col', class: h.end ? 'text-end' : '', text: h.label });
    }));
    return el('div', { class: 'table-responsive' }, [
      el('table', { class: 'table table-sm mb-3', 'data-testid': testid }, [el('thead', {}, [headRow]), el('tbody', {}, rows)]),
    ]);
  }

  function renderTopics(topics) {
    var body = document.getElementById('topics-body');
    if (!body) return;
    var rows = [];
    topics.forEach(function (topic) {
      topic.partitions.forEach(function (p) {
        var count = (BigInt(p.endOffset) - BigInt(p.logStartOffset)).toString();
        rows.push(el('tr', { 'data-testid': 'topic-partition', 'data-topic': topic.name, 'data-partition': String(p.partition) }, [
          el('td', {}, [el('code', { text: topic.name })]),
          el('td', { class: 'text-end', text: String(p.partition) }),
          el('td', { class: 'text-end offset-cell', 'data-field': 'log-start', text: p.logStartOffset }),
          el('td', { class: 'text-end offset-cell', 'data-field': 'end', text: p.endOffset }),
          el('td', { class: 'text-end offset-cell', text: count }),
        ]));
      });
    });
    if (rows.length === 0) rows.push(el('tr', {}, [el('td', { colspan: '5', class: 'text-body-secondary', text: t('cluster.noTopics') })]));
    body.replaceChildren.apply(body, rows);
  }

  function renderGroup(g) {
    var header = el('div', { class: 'card-header d-flex flex-wrap align-items-center gap-2' }, [
      el('h3', { class: 'h5 mb-0' }, [el('code', { text: g.groupId })]),
      el('span', { class: 'badge text-bg-' + tone(g.state), 'data-testid': 'group-state', text: g.state }),
      g.protocol ? el('span', { class: 'small text-body-secondary', text: t('cluster.protocol') + ': ' + g.protocol }) : null,
    ]);
    var members = g.members.length === 0
      ? el('p', { class: 'small text-body-secondary', 'data-testid': 'no-members', text: t('cluster.noMembers') })
      : table('members', [
          { label: t('cluster.memberId') }, { label: t('cluster.clientId') }, { label: t('cluster.host') },
          { label: t('cluster.memberInstance') }, { label: t('cluster.assigned') },
        ], g.members.map(function (m) {
          var assigned = m.assignment.map(function (a) { return a.topic + ':' + a.partition; }).join(', ');
          var instanceCell = el('td', { class: 'small', 'data-field': 'instance', text: m.instance === null ? t('cluster.none') : m.instance });
          if (m.instance === me) {
            instanceCell.appendChild(document.createTextNode(' '));
            instanceCell.appendChild(el('span', { class: 'badge text-bg-info', text: t('cluster.you') }));
          }
          return el('tr', { 'data-testid': 'member', 'data-member': m.memberId }, [
            el('td', { class: 'text-break small' }, [el('code', { text: m.memberId })]),
            el('td', { class: 'text-break small', text: m.clientId }),
            el('td', { class: 'small', text: m.clientHost }),
            instanceCell,
            el('td', { class: 'small', 'data-field': 'assigned', text: assigned || t('cluster.none') }),
          ]);
        }));
    var offsets = g.offsets.length === 0
      ? el('p', { class: 'small text-body-secondary mb-0', text: t('cluster.noOffsets') })
      : table('offsets', [
          { label: t('cluster.topic') }, { label: t('cluster.partition'), end: true }, { label: t('cluster.assignedTo') },
          { label: t('cluster.committed'), end: true }, { label: t('cluster.endOffset'), end: true }, { label: t('cluster.lag'), end: true },
        ], g.offsets.map(function (o) {
          var owner = o.instance !== null ? o.instance : o.memberId !== null ? o.memberId : t('cluster.unassigned');
          return el('tr', { 'data-testid': 'offset-row', 'data-topic': o.topic, 'data-partition': String(o.partition) }, [
            el('td', {}, [el('code', { text: o.topic })]),
            el('td', { class: 'text-end', text: String(o.partition) }),
            el('td', { class: 'small text-break', 'data-field': 'assigned-to', text: owner }),
            el('td', { class: 'text-end offset-cell', 'data-field': 'committed', text: o.committedOffset === null ? t('cluster.none') : o.committedOffset }),
            el('td', { class: 'text-end offset-cell', 'data-field': 'end', text: o.endOffset }),
            el('td', { class: 'text-end offset-cell', 'data-field': 'lag', text: o.lag }),
          ]);
        }));
    return el('section', { class: 'card mb-3', 'data-testid': 'group', 'data-group': g.groupId }, [
      header,
      el('div', { class: 'card-body' }, [
        el('h4', { class: 'h6', text: t('cluster.members') }), members,
        el('h4', { class: 'h6', text: t('cluster.offsets') }), offsets,
      ]),
    ]);
  }

  function renderGroups(groups) {
    var box = document.getElementById('groups');
    if (!box) return;
    var nodes = groups.length === 0 ? [el('p', { class: 'text-body-secondary', text: t('cluster.noGroups') })] : groups.map(renderGroup);
    box.replaceChildren.apply(box, nodes);
  }

  function fillList(id, values) {
    var list = document.getElementById(id);
    if (!list) return;
    list.replaceChildren.apply(list, values.map(function (v) { return el('option', { value: v }); }));
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
        renderTopics(c.topics);
        renderGroups(c.groups);
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
