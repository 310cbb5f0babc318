// Ticks the guided tour on Home as things happen: polls /api/tour and marks the steps that are
// done (text only). Without JavaScript the tour shows what was seen when the page was rendered,
// and "Check again" reloads it.
(function () {
  'use strict';
  var box = document.getElementById('tour');
  if (!box || !window.fetch) return;
  var src = box.getAttribute('data-src');
  var doneText = box.getAttribute('data-done');
  var seenText = box.getAttribute('data-seen') || '{time}';
  var EVERY_MS = 3000;
  var busy = false;

  function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(src, { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (res) {
        return res.ok ? res.json() : { steps: [] };
      })
      .then(function (body) {
        (body.steps || []).forEach(function (s) {
          var li = box.querySelector('[data-step="' + s.id + '"]');
          if (!li || !s.done || li.getAttribute('data-done') === '1') return;
          li.setAttribute('data-done', '1');
          var mark = li.querySelector('[data-field="mark"]');
          if (mark) {
            mark.textContent = '✓ ' + doneText;
            mark.className = 'tour-mark badge text-bg-success';
          }
          var seen = li.querySelector('[data-field="seen"]');
          if (seen) seen.textContent = seenText.replace('{time}', s.at.replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC'));
        });
      })
      .catch(function () {})
      .then(function () {
        busy = false;
      });
  }

  setInterval(refresh, EVERY_MS);
})();
