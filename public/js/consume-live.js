// Live Consume page: listens to the Server-Sent Events stream and prepends one row per consumed
// message. The stream sends each row's view model (src/web/message-row.ts), already cut and
// translated, and the row is the page's own <template> (views/partials/message-row.ejs) filled by
// row-template.js through textContent, so message content is never parsed as HTML. The table
// keeps at most `capacity` rows, like the server's ring buffer. Without JavaScript (or
// EventSource) the page works as before through its Refresh button.
(function () {
  'use strict';
  var table = document.getElementById('messages');
  var template = document.getElementById('message-row-template');
  if (!table || !template || !window.EventSource || !window.rowTemplate) return;
  var body = document.getElementById('messages-body');
  var wrap = document.getElementById('messages-wrap');
  var empty = document.getElementById('empty-note');
  var note = document.getElementById('live-note');
  var capacity = Number(table.getAttribute('data-capacity')) || 100;

  function showTable(hasRows) {
    wrap.hidden = !hasRows;
    empty.hidden = hasRows;
  }

  var source = new EventSource(table.getAttribute('data-stream'));
  source.addEventListener('open', function () {
    note.hidden = false;
    note.className = 'small mb-3 text-success';
  });
  source.addEventListener('row', function (e) {
    var row;
    try {
      row = JSON.parse(e.data);
    } catch (err) {
      return;
    }
    body.insertBefore(window.rowTemplate.fill(template, row), body.firstChild);
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
