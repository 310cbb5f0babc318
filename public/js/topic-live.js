// Live tail of the topic browser: with ?live=1, polls the JSON API with the page's "newer"
// cursor and adds each new record as a row. Every value goes in through textContent, so keys,
// values and headers (user data) are never parsed as HTML. Without JavaScript the page is the
// same list with its Refresh/Newest links.
(function () {
  'use strict';
  var table = document.getElementById('browse-messages');
  if (!table || table.getAttribute('data-live') !== '1' || !window.fetch) return;
  var body = document.getElementById('browse-body');
  var empty = document.getElementById('no-messages');
  var note = document.getElementById('tail-note');
  var text = JSON.parse(table.getAttribute('data-i18n') || '{}');
  var src = table.getAttribute('data-src');
  var cursor = table.getAttribute('data-cursor');
  var partition = table.getAttribute('data-partition');
  var topic = table.getAttribute('data-topic');
  var newestFirst = table.getAttribute('data-order') === 'desc';
  var EVERY_MS = 2000;
  var MAX_ROWS = 500;
  var busy = false;

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function spacedHex(hex) {
    return hex.replace(/(..)(?=.)/g, '$1 ');
  }

  function pretty(s) {
    try {
      JSON.parse(s);
    } catch (e) {
      return s;
    }
    // Same re-indentation as the server (numbers and strings untouched).
    var out = '', depth = 0, inStr = false, i, c, j;
    var nl = function () { return '\n' + new Array(depth + 1).join('  '); };
    for (i = 0; i < s.length; i++) {
      c = s[i];
      if (inStr) {
        out += c;
        if (c === '\\') out += s[++i] || '';
        else if (c === '"') inStr = false;
        continue;
      }
      if (c === '"') { inStr = true; out += c; }
      else if (c === '{' || c === '[') {
        j = i + 1;
        while (j < s.length && /\s/.test(s[j])) j++;
        if (s[j] === (c === '{' ? '}' : ']')) { out += c + s[j]; i = j; } else { depth++; out += c + nl(); }
      } else if (c === '}' || c === ']') { depth--; out += nl() + c; }
      else if (c === ',') out += ',' + nl();
      else if (c === ':') out += ': ';
      else if (!/\s/.test(c)) out += c;
    }
    return out;
  }

  function cell(td, value, format, max) {
    if (value === null) {
      td.appendChild(el('span', 'text-body-secondary', text['consume.null']));
      return;
    }
    if (format === 'json' || format === 'binary') {
      var badge = el('span', 'badge text-bg-light border me-1', text['topics.format.' + format]);
      badge.setAttribute('data-format', format);
      td.appendChild(badge);
    }
    var shown = format === 'binary' ? spacedHex(value) : format === 'json' ? pretty(value) : value;
    var span = el('span', '', shown.length > max ? shown.slice(0, max) : shown);
    span.setAttribute('data-field', 'shown');
    td.appendChild(span);
    if (shown.length > max) td.appendChild(el('span', 'text-body-secondary', (text['consume.truncated'] || '').replace('{bytes}', String(value.length))));
  }

  function row(m) {
    var tr = el('tr');
    tr.setAttribute('data-testid', 'browse-row');
    tr.setAttribute('data-partition', String(m.partition));
    tr.setAttribute('data-offset', m.offset);
    tr.appendChild(el('td', 'text-end', String(m.partition)));
    tr.appendChild(el('td', 'text-end offset-cell', m.offset));
    var ts = el('td', 'text-nowrap small');
    if (m.timestamp) {
      var time = el('time', '', m.timestamp.replace('T', ' ').replace('Z', ' UTC'));
      time.setAttribute('datetime', m.timestamp);
      ts.appendChild(time);
    } else ts.textContent = text['cluster.none'];
    tr.appendChild(ts);
    var key = el('td', 'text-break');
    key.setAttribute('data-testid', 'browse-key');
    cell(key, m.key, m.keyFormat, 500);
    tr.appendChild(key);
    var value = el('td', 'text-break message-value');
    value.setAttribute('data-testid', 'browse-value');
    cell(value, m.value, m.valueFormat, 2000);
    tr.appendChild(value);
    var headers = el('td', 'small text-break');
    headers.setAttribute('data-testid', 'browse-headers');
    var names = Object.keys(m.headers);
    if (names.length === 0) headers.appendChild(el('span', 'text-body-secondary', text['cluster.none']));
    else {
      var dl = el('dl', 'mb-0 browse-headers');
      names.forEach(function (name) {
        [].concat(m.headers[name]).forEach(function (v) {
          dl.appendChild(el('dt', '', name));
          var dd = el('dd', 'mb-0');
          cell(dd, v, 'text', 500);
          dl.appendChild(dd);
        });
      });
      headers.appendChild(dl);
    }
    tr.appendChild(headers);
    var again = el('td', 'text-nowrap');
    var a = el('a', 'btn btn-sm btn-outline-primary', text['topics.again']);
    a.setAttribute('href', '/produce?topic=' + encodeURIComponent(topic) + '&again=' + m.partition + '-' + m.offset);
    a.setAttribute('data-testid', 'produce-again');
    again.appendChild(a);
    tr.appendChild(again);
    return tr;
  }

  function poll() {
    if (busy || document.hidden) return;
    busy = true;
    var url = src + '?limit=100&cursor=' + encodeURIComponent(cursor) + (partition ? '&partition=' + encodeURIComponent(partition) : '');
    fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (res) {
        return res.json().then(function (b) { return { ok: res.ok, body: b }; });
      })
      .then(function (r) {
        if (!r.ok) throw new Error(r.body.message || r.body.error || 'HTTP error');
        // The newer page comes oldest first; on a newest-first page each goes on top.
        r.body.messages.forEach(function (m) {
          var tr = row(m);
          if (newestFirst) body.insertBefore(tr, body.firstChild);
          else body.appendChild(tr);
        });
        while (body.rows.length > MAX_ROWS) body.deleteRow(newestFirst ? body.rows.length - 1 : 0);
        if (body.rows.length > 0 && empty) empty.hidden = true;
        cursor = r.body.newer;
        if (note) note.classList.remove('text-warning');
      })
      .catch(function (err) {
        if (note) {
          note.textContent = (text['topics.livePaused'] || '').replace('{reason}', err && err.message ? err.message : String(err));
          note.classList.add('text-warning');
        }
      })
      .then(function () {
        busy = false;
      });
  }

  setInterval(poll, EVERY_MS);
})();
