// The web pages a service serves beside its API, from files on disk (no build step, no CDN):
//   GET /openapi.json    the service's OpenAPI 3.1 document (built into the binary)
//   GET /docs            Swagger UI reading /openapi.json (web/docs/index.html)
//   GET /docs/{file}     web/docs/<file>, else web/node_modules/swagger-ui-dist/<file>
//   GET /console         claim-service's operator console (web/console/index.html)
//   GET /console/{file}  web/console/<file>
// `web_dir` is the repository's web/ directory (WEB_DIR; bootstrap.sh installs its npm packages).
// Every route is open: the pages hold no data, and the API calls they make need a key as usual.
// A file that is not there is a 404 problem naming where it was looked for.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "shared/http_router.h"

namespace claims {

// The content type served for a file name ("x.js" -> "text/javascript; charset=utf-8").
std::string ContentTypeOf(std::string_view file_name);

// The first of `dirs` holding `file_name` (one path segment of [A-Za-z0-9._-], not starting
// with '.'), served with its content type; else a 404 problem.
HttpResponse StaticFile(const std::vector<std::string>& dirs, const std::string& file_name);

// /openapi.json, /docs and /docs/{file}. `openapi_json` must outlive the router.
void AddApiDocRoutes(std::string_view openapi_json, const std::string& web_dir, Router* router);

// /console and /console/{file}.
void AddConsoleRoutes(const std::string& web_dir, Router* router);

}  // namespace claims
