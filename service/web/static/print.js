/* The print button of printable pages: a script of its own, as the page's policy allows
   no inline handlers. Without it the browser's own print command does the same. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
