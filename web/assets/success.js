/* global document, window, fetch */
// Asks the server again while a payment is being confirmed, and reloads when the order's status changes:
// the server renders every state, so this script can never show "paid" on its own.
(function () {
  var box = document.querySelector('[data-poll-session]');
  if (!box) return;
  var sessionId = box.getAttribute('data-poll-session');
  var shown = box.getAttribute('data-status');
  var delayMs = 1500;
  var tries = 0;
  function giveUp() {
    var note = document.getElementById('poll-note');
    if (note) note.textContent = 'This is taking longer than usual. You can close this page: the access link will also be sent by the shop once the payment is confirmed. Reload to check again.';
  }
  function check() {
    tries += 1;
    fetch('/api/payments/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId: sessionId }),
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (body && body.order && body.order.status !== shown) { window.location.reload(); return; }
        next();
      })
      .catch(next);
  }
  function next() {
    if (tries >= 40) { giveUp(); return; }
    delayMs = Math.min(Math.round(delayMs * 1.3), 10000);
    window.setTimeout(check, delayMs);
  }
  window.setTimeout(check, delayMs);
})();
