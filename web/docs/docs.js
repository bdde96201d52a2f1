// Starts Swagger UI on this service's own document. "Try it out" calls this same origin; with
// --auth required, "Authorize" takes an API key (bearer or X-API-Key).
window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
  tryItOutEnabled: false,
});
