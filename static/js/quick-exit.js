// Quick exit, enhanced: end the session in the background and replace this page in the
// history, so the back button does not return to Upstander. Without JavaScript the link
// itself ends the session and redirects.
(function () {
  "use strict";
  function leave(link) {
    var neutral = link.getAttribute("data-neutral-url");
    if (!neutral) { return false; }
    try {
      fetch(link.href, { method: "GET", credentials: "same-origin", keepalive: true, redirect: "manual" });
    } catch (e) { /* the link's own navigation still ends the session */ return false; }
    window.location.replace(neutral);
    return true;
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".quick-exit-button") : null;
    if (link && leave(link)) { event.preventDefault(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var link = document.querySelector(".quick-exit-button");
      if (link) { leave(link); }
    }
  });
})();
