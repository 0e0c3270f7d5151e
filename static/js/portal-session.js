// The reporter's portal and its idle limit, enhanced. The server ends a session after a
// period without activity; this script makes that humane: it warns before the end and offers
// to stay, counts typing as activity, and never reloads or leaves the page while a message is
// being written. When the session does end, the report is hidden and the unsent message is
// kept in the page, ready to be sent after the receipt is entered again.
(function () {
  "use strict";
  var root = document.getElementById("portal-session");
  if (!root || !window.fetch) { return; }
  var warning = root.querySelector(".session-warning");
  var stayButton = root.querySelector(".session-stay");
  var closed = root.querySelector(".session-closed");
  var content = root.querySelector(".portal-content");
  var messageBox = document.getElementById("id_body");
  var csrfInput = root.querySelector("input[name=csrfmiddlewaretoken]");
  var stayUrl = root.getAttribute("data-stay-url");
  var expiredUrl = root.getAttribute("data-expired-url");
  var warnSeconds = parseInt(root.getAttribute("data-warn-seconds"), 10) || 120;
  var TYPING_PING_MS = 60 * 1000;
  var deadline = 0;
  var lastStay = Date.now();
  var warnTimer = null;
  var closeTimer = null;
  var ended = false;

  function schedule(secondsLeft) {
    window.clearTimeout(warnTimer);
    window.clearTimeout(closeTimer);
    deadline = Date.now() + secondsLeft * 1000;
    warning.hidden = true;
    warnTimer = window.setTimeout(showWarning, Math.max(0, (secondsLeft - warnSeconds) * 1000));
    closeTimer = window.setTimeout(end, secondsLeft * 1000);
  }

  function showWarning() {
    warning.hidden = false;
    // Someone typing keeps the focus; anyone else is taken to the button that keeps them in.
    if (document.activeElement !== messageBox) { stayButton.focus(); }
  }

  function stay() {
    lastStay = Date.now();
    return fetch(stayUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfInput ? csrfInput.value : "" }
    }).then(function (response) {
      if (response.status === 401) { end(); return null; }
      if (!response.ok) { return null; }
      return response.json().then(function (body) { schedule(body.seconds_left); });
    }).catch(function () {
      // Offline for a moment: the timers stand, and the server still decides.
    });
  }

  function end() {
    if (ended) { return; }
    ended = true;
    window.clearTimeout(warnTimer);
    window.clearTimeout(closeTimer);
    var draft = messageBox ? messageBox.value : "";
    if (!draft.trim()) {
      window.location.replace(expiredUrl);
      return;
    }
    closed.querySelector("input[name=draft]").value = draft;
    // Removed, not hidden: the report must not stay in the page for anyone who picks it up.
    content.parentNode.removeChild(content);
    warning.hidden = true;
    closed.hidden = false;
    closed.querySelector("input[name=receipt]").focus();
  }

  stayButton.addEventListener("click", stay);
  if (messageBox) {
    messageBox.addEventListener("input", function () {
      if (!ended && Date.now() - lastStay > TYPING_PING_MS) { stay(); }
    });
  }
  // A phone that slept past the limit: its timers may not have fired yet.
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && deadline && Date.now() >= deadline) { end(); }
  });
  schedule(parseInt(root.getAttribute("data-seconds-left"), 10) || 0);
})();
