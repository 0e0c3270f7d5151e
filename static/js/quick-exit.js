// Quick exit, enhanced: end the session in the background and replace this page in the
// history, so the back button does not return to Upstander. Without JavaScript the link
// itself ends the session and redirects.
//
// The keyboard gesture is Escape pressed outside a text field. Escape inside a field, a select
// or an input method's composition belongs to that control (closing a suggestion list,
// cancelling a character being composed), so it must never throw a person off the site.
(function () {
  "use strict";
  var NOT_TYPING = ["button", "submit", "reset", "checkbox", "radio", "image", "file", "color", "range"];

  function leave(link) {
    var neutral = link.getAttribute("data-neutral-url");
    if (!neutral) { return false; }
    try {
      fetch(link.href, { method: "GET", credentials: "same-origin", keepalive: true, redirect: "manual" });
    } catch (e) { /* the link's own navigation still ends the session */ return false; }
    window.location.replace(neutral);
    return true;
  }

  function isTypingTarget(element) {
    if (!element || !element.tagName) { return false; }
    var tag = element.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select") { return true; }
    if (element.isContentEditable) { return true; }
    if (tag === "input") {
      var type = (element.getAttribute("type") || "text").toLowerCase();
      return NOT_TYPING.indexOf(type) === -1;
    }
    return false;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".quick-exit-button") : null;
    if (link && leave(link)) { event.preventDefault(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.isComposing || event.keyCode === 229) { return; }
    if (event.defaultPrevented || isTypingTarget(event.target)) { return; }
    var link = document.querySelector(".quick-exit-button");
    if (link) { leave(link); }
  });
  // The keyboard hint is true only where this script runs, so only this script shows it.
  var hints = document.querySelectorAll(".quick-exit-key");
  for (var i = 0; i < hints.length; i += 1) { hints[i].hidden = false; }
})();
