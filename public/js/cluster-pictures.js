// Refreshes the live pictures on /cluster: fetches the server-rendered partial (SVG and text,
// escaped by the server's templates) and swaps it in. Without JavaScript the pictures are the
// ones rendered with the page, and its Refresh button renders new ones.
(function () {
  'use strict';
  var box = document.getElementById('cluster-pictures');
  if (!box || !window.fetch || !window.DOMParser) return;
  var src = box.getAttribute('data-src');
  var EVERY_MS = 3000;
  var busy = false;

  function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(src, { headers: { accept: 'text/html' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (res) {
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.querySelector('[data-testid="pictures"]');
        if (fresh) box.replaceChildren(document.adoptNode(fresh));
      })
      .catch(function () {
        // The tables' poller reports connection problems; the last picture stays.
      })
      .then(function () {
        busy = false;
      });
  }

  setInterval(refresh, EVERY_MS);
  document.addEventListener('visibilitychange', refresh);
})();
