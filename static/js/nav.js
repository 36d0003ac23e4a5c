/* The region menu on a phone is one line that scrolls sideways in its own box (app.css):
   scroll it so the current page's entry is in view (in the middle where it can be), not
   cut off at the right edge. Only the menu's box scrolls, never the page. */
(function () {
  "use strict";
  function show() {
    var nav = document.querySelector("header.top .region-nav");
    var current = nav && nav.querySelector('a[aria-current="page"]');
    if (!current || nav.scrollWidth <= nav.clientWidth) { return; }
    var box = nav.getBoundingClientRect(), link = current.getBoundingClientRect();
    var left = nav.scrollLeft + (link.left - box.left) - (box.width - link.width) / 2;
    nav.scrollLeft = Math.max(0, Math.min(left, nav.scrollWidth - nav.clientWidth));
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", show);
  } else {
    show();
  }
  window.addEventListener("resize", show);
})();
