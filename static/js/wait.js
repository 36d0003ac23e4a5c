/* Links to what takes a few seconds to make (the PDF reports) carry data-wait: a short text
   shown beside the link once it is followed, until the answer replaces the page. */
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
})();
