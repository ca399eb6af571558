/* Starts Swagger UI on /api/v1/docs with the page's settings (data-* attributes): a
   script of its own, as the policy allows no inline script. No online validator badge:
   the page loads nothing from other sites. */
(function () {
  "use strict";
  var box = document.getElementById("swagger-ui-container");
  var config = JSON.parse(box.getAttribute("data-config") || "{}");
  config.url = box.getAttribute("data-spec-url");
  config.dom_id = "#swagger-ui-container";
  if (!("validatorUrl" in config)) { config.validatorUrl = null; }
  window.ui = window.SwaggerUIBundle(config);
})();
