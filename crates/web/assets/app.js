// Suveren web UI: progressive enhancement only. Every flow works without
// this file; it adds conveniences and never carries a rule.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to an error or status message so screen readers announce it
  // and keyboard users start there.
  const msg = document.querySelector("main [role=alert], main [role=status]");
  if (msg) {
    msg.setAttribute("tabindex", "-1");
    msg.focus();
  }
});
