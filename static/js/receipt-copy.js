// Copy the receipt, as an enhancement: without JavaScript (or without clipboard access) the
// button stays hidden and the reporter saves the file, prints the page or writes it down.
// The receipt is copied as its groups joined by dashes, exactly as the access form takes it.
(function () {
  "use strict";
  var button = document.querySelector(".receipt-copy");
  if (!button || !navigator.clipboard || !window.isSecureContext) { return; }
  var target = document.getElementById(button.getAttribute("data-copy-target"));
  var status = document.querySelector(".receipt-copy-status");
  if (!target || !status) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var text = target.textContent.replace(/\s+/g, "");
    navigator.clipboard.writeText(text).then(
      function () { status.textContent = button.getAttribute("data-copied"); },
      function () { status.textContent = button.getAttribute("data-failed"); }
    );
  });
})();
