/* The analysis page while its report is being computed: polls the status document
 * (data-status-url) and shows the progress; reloads the page when the report of the current
 * data is ready. The server never makes the page wait for the analysis. It stops asking
 * when the analysis failed (data-state "failed" from the start, or in a status document). */
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box || box.dataset.state === "failed") { return; }
  var bar = box.querySelector("progress");
  var line = box.querySelector("[data-status-text]");

  function show(doc) {
    if (bar) {
      if (doc.progress === null || doc.progress === undefined) {
        bar.removeAttribute("value");
      } else {
        bar.value = doc.progress;
        bar.textContent = Math.round(100 * doc.progress) + " %";
      }
    }
    if (line) { line.textContent = doc.detail || ""; }
  }

  /* the messages this page was answered with ("Stand … gespeichert.") would be gone after
     the reload: wait.js shows them again on the reloaded page */
  function reload() {
    var kept = [].map.call(document.querySelectorAll("main [data-flash]"), function (el) {
      return { category: el.dataset.flash, text: el.textContent };
    });
    try {
      if (kept.length) {
        window.sessionStorage.setItem("kn-flashes", JSON.stringify(
          { url: window.location.href, messages: kept }));
      }
    } catch (e) { /* no storage: the messages are lost, as before */ }
    window.location.reload();
  }

  function poll(delay) {
    window.setTimeout(function () {
      fetch(box.dataset.statusUrl, {
        credentials: "same-origin", headers: { Accept: "application/json" }
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (doc) {
        if (doc.state === "ready") { reload(); return; }
        if (doc.state === "failed") {
          // a page listing what failed (the history) shows it after a reload, which
          // asks no more: its box then says "failed" from the start
          if (box.hasAttribute("data-reload-on-failure")) { reload(); return; }
          box.classList.add("flash-error");
          if (line) { line.textContent = doc.state_text; }
          if (bar) { bar.remove(); }
          return;
        }
        show(doc);
        poll(1000);
      }).catch(function () { poll(5000); });
    }, delay);
  }
  poll(700);
}());
