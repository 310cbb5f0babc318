// Live Consume page: listens to the Server-Sent Events stream and prepends one row per consumed
// message. Every value goes in via textContent, so message content is never parsed as HTML. The
// table keeps at most `capacity` rows, like the server's ring buffer. Without JavaScript (or
// EventSource) the page works as before through its Refresh button.
(function () {
  'use strict';
  var table = document.getElementById('messages');
  if (!table || !window.EventSource) return;
  var body = document.getElementById('messages-body');
  var wrap = document.getElementById('messages-wrap');
  var empty = document.getElementById('empty-note');
  var note = document.getElementById('live-note');
  var capacity = Number(table.getAttribute('data-capacity')) || 100;
  var preview = Number(table.getAttribute('data-preview')) || 2000;
  var nullText = table.getAttribute('data-null') || '(null)';
  var truncatedText = table.getAttribute('data-truncated') || '';
  var undecodableText = table.getAttribute('data-undecodable') || 'Undecodable';
  var undecodableDetail = table.getAttribute('data-undecodable-detail') || '{reason}';
  var timestampText = table.getAttribute('data-timestamp') || '';
  var noneText = table.getAttribute('data-none') || '—';

  function cell(className, text) {
    var td = document.createElement('td');
    if (className) td.className = className;
    if (text !== undefined) td.textContent = text;
    return td;
  }

  function muted(text) {
    var span = document.createElement('span');
    span.className = 'text-body-secondary';
    span.textContent = text;
    return span;
  }

  function utf8Bytes(s) {
    return new TextEncoder().encode(s).length;
  }

  function row(m) {
    var tr = document.createElement('tr');
    tr.setAttribute('data-testid', 'message-row');

    var when = cell('text-nowrap');
    var time = document.createElement('time');
    time.setAttribute('datetime', m.receivedAt);
    time.textContent = m.receivedAt.replace('T', ' ').replace('Z', ' UTC');
    when.appendChild(time);
    if (m.timestamp) {
      var kafkaTime = document.createElement('div');
      kafkaTime.className = 'small text-body-secondary';
      kafkaTime.setAttribute('data-testid', 'message-timestamp');
      kafkaTime.appendChild(document.createTextNode(timestampText + ': '));
      var kt = document.createElement('time');
      kt.setAttribute('datetime', m.timestamp);
      kt.textContent = m.timestamp.replace('T', ' ').replace('Z', ' UTC');
      kafkaTime.appendChild(kt);
      when.appendChild(kafkaTime);
    }

    var topic = cell();
    var code = document.createElement('code');
    code.textContent = m.topic;
    topic.appendChild(code);

    var key = cell('text-break');
    if (m.key === null) key.appendChild(muted(nullText));
    else if (m.key.length > preview) {
      key.textContent = m.key.slice(0, preview);
      key.appendChild(muted(truncatedText.replace('{bytes}', String(utf8Bytes(m.key)))));
    } else key.textContent = m.key;

    var value = cell('text-break message-value');
    value.setAttribute('data-testid', 'message-value');
    if (m.undecodable) {
      tr.setAttribute('data-undecodable', '');
      var badge = document.createElement('span');
      badge.className = 'badge text-bg-warning';
      badge.textContent = undecodableText;
      value.appendChild(badge);
      var u = m.undecodable;
      var detail = undecodableDetail.replace(/\{(\w+)\}/g, function (whole, name) {
        var v = { first: u.firstOffset, last: u.lastOffset, records: u.records, reason: u.reason }[name];
        return v === undefined ? whole : String(v);
      });
      value.appendChild(document.createTextNode(' ' + detail));
    } else if (m.value === null) value.appendChild(muted(nullText));
    else if (m.value.length > preview) {
      value.textContent = m.value.slice(0, preview);
      value.appendChild(muted(truncatedText.replace('{bytes}', String(utf8Bytes(m.value)))));
    } else value.textContent = m.value;

    var headers = cell('small text-break');
    headers.setAttribute('data-testid', 'message-headers');
    var names = Object.keys(m.headers || {});
    if (names.length === 0) headers.appendChild(muted(noneText));
    else {
      var dl = document.createElement('dl');
      dl.className = 'mb-0 browse-headers';
      names.forEach(function (name) {
        var dt = document.createElement('dt');
        dt.textContent = name;
        var dd = document.createElement('dd');
        dd.className = 'mb-0';
        dd.textContent = m.headers[name];
        dl.appendChild(dt);
        dl.appendChild(dd);
      });
      headers.appendChild(dl);
    }

    var group = cell('text-nowrap small', m.group);
    group.setAttribute('data-testid', 'message-group');
    var instance = cell('text-nowrap small', m.instance);
    instance.setAttribute('data-testid', 'message-instance');

    [when, topic, cell('text-end', String(m.partition)), key, value, headers, cell('text-end', m.offset), group, instance].forEach(function (td) {
      tr.appendChild(td);
    });
    return tr;
  }

  function showTable(hasRows) {
    wrap.hidden = !hasRows;
    empty.hidden = hasRows;
  }

  var source = new EventSource(table.getAttribute('data-stream'));
  source.addEventListener('open', function () {
    note.hidden = false;
    note.className = 'small mb-3 text-success';
  });
  source.addEventListener('message', function (e) {
    var m;
    try {
      m = JSON.parse(e.data);
    } catch (err) {
      return;
    }
    body.insertBefore(row(m), body.firstChild);
    while (body.rows.length > capacity) body.deleteRow(body.rows.length - 1);
    showTable(true);
  });
  source.addEventListener('reset', function () {
    body.replaceChildren();
    showTable(false);
  });
  source.addEventListener('error', function () {
    // EventSource reconnects by itself (the server sends `retry:`); say so only once it gave up.
    if (source.readyState === EventSource.CLOSED) {
      note.textContent = note.getAttribute('data-off');
      note.className = 'small mb-3 text-warning';
    }
  });
})();
