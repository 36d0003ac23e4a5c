/* Links to what takes a few seconds to make (the PDF reports) carry data-wait: a short text
   shown beside the link once it is followed, until the answer replaces the page.
   A page that reloads itself when an analysis is ready (analysis-status.js) keeps the
   messages it was answered with ("Stand … gespeichert."): they are shown again, as text. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-wait]") : null;
    if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey ||
        event.metaKey || event.shiftKey || event.altKey) { return; }
    var note = link.nextElementSibling;
    if (!note || !note.classList.contains("wait-note")) {
      note = document.createElement("span");
      note.className = "wait-note hint";
      note.setAttribute("role", "status");
      link.after(note);
    }
    note.textContent = " " + link.dataset.wait;
  });

  var kept = null;
  try {
    kept = JSON.parse(window.sessionStorage.getItem("kn-flashes") || "null");
    window.sessionStorage.removeItem("kn-flashes");
  } catch (e) { kept = null; }
  var main = document.querySelector("main");
  if (kept && kept.url === window.location.href && Array.isArray(kept.messages) && main &&
      !main.querySelector("[data-flash]")) {
    var anchor = main.querySelector(".print-stand");
    kept.messages.slice(0, 5).forEach(function (m) {
      var p = document.createElement("p");
      p.className = "flash flash-" + String(m.category).replace(/[^a-z]/g, "");
      p.setAttribute("role", "status");
      p.dataset.flash = p.className.slice(12);
      p.textContent = String(m.text);
      if (anchor) { anchor.after(p); anchor = p; } else { main.prepend(p); }
    });
  }
})();
