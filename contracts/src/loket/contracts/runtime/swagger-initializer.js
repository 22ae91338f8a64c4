// Starts Swagger UI on /docs. A file of its own rather than a script in the page: the services'
// Content-Security-Policy allows no inline script (loket.contracts.runtime.security). The page says
// where the OpenAPI document is (data-openapi-url); the options are FastAPI's defaults.
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
});
