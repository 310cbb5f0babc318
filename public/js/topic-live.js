// Live tail of the topic browser: with ?live=1, polls the JSON API (?rows=1) with the page's
// "newer" cursor and adds each new record as a row: the page's own <template>
// (views/partials/browse-row.ejs) filled by row-template.js with the row the server formatted.
// Every value goes in through textContent, so keys, values and headers (user data) are never
// parsed as HTML. Without JavaScript the page is the same list with its Refresh/Newest links.
(function () {
  'use strict';
  var table = document.getElementById('browse-messages');
  var template = document.getElementById('browse-row-template');
  if (!table || !template || table.getAttribute('data-live') !== '1' || !window.fetch || !window.rowTemplate) return;
  var body = document.getElementById('browse-body');
  var empty = document.getElementById('no-messages');
  var note = document.getElementById('tail-note');
  var text = JSON.parse(table.getAttribute('data-i18n') || '{}');
  var src = table.getAttribute('data-src');
  var cursor = table.getAttribute('data-cursor');
  var partition = table.getAttribute('data-partition');
  var newestFirst = table.getAttribute('data-order') === 'desc';
  var EVERY_MS = 2000;
  var MAX_ROWS = 500;
  var busy = false;

  function poll() {
    if (busy || document.hidden) return;
    busy = true;
    var url = src + '?rows=1&limit=100&cursor=' + encodeURIComponent(cursor) + (partition ? '&partition=' + encodeURIComponent(partition) : '');
    fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (res) {
        return res.json().then(function (b) { return { ok: res.ok, body: b }; });
      })
      .then(function (r) {
        if (!r.ok) throw new Error(r.body.message || r.body.error || 'HTTP error');
        // The newer page comes oldest first; on a newest-first page each goes on top.
        r.body.rows.forEach(function (row) {
          var tr = window.rowTemplate.fill(template, row);
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
