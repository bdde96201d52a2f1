#include "shared/web_routes.h"

#include <fstream>
#include <sstream>

#include "shared/http_problem.h"

namespace claims {
namespace {

bool IsPlainFileName(const std::string& name) {
  if (name.empty() || name.size() > 128 || name.front() == '.') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  *out = std::move(text).str();
  return true;
}

// Serves `index` for `page` and `<dirs...>/<file>` for `page`/{file}.
void AddStaticPage(const std::string& page, const std::vector<std::string>& dirs, Router* router) {
  router->Add(
      "GET", page,
      [dirs](const HttpRequest&) {
        HttpResponse r = StaticFile({dirs.front()}, "index.html");
        return r.WithHeader("Cache-Control", "no-cache");
      },
      RouteAccess::kOpen);
  router->Add(
      "GET", page + "/{file}",
      [dirs](const HttpRequest& request) {
        HttpResponse r = StaticFile(dirs, request.path_params.at("file"));
        return r.WithHeader("Cache-Control", "no-cache");
      },
      RouteAccess::kOpen);
}

}  // namespace

std::string ContentTypeOf(std::string_view file_name) {
  const size_t dot = file_name.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : file_name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json" || ext == "map") return "application/json";
  if (ext == "png") return "image/png";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "txt" || ext == "md") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

HttpResponse StaticFile(const std::vector<std::string>& dirs, const std::string& file_name) {
  if (!IsPlainFileName(file_name)) {
    return NotFoundProblem("no file " + file_name + ": file names are one path segment");
  }
  std::string looked;
  for (const std::string& dir : dirs) {
    HttpResponse r;
    if (ReadWholeFile(dir + "/" + file_name, &r.body)) {
      r.content_type = ContentTypeOf(file_name);
      return r;
    }
    looked += (looked.empty() ? "" : ", ") + dir;
  }
  return NotFoundProblem("no file " + file_name + " in " + looked +
                         " (web assets: run bash bootstrap.sh, or set WEB_DIR)");
}

void AddApiDocRoutes(std::string_view openapi_json, const std::string& web_dir, Router* router) {
  router->Add(
      "GET", "/openapi.json",
      [openapi_json](const HttpRequest&) {
        HttpResponse r;
        r.body = std::string(openapi_json);
        return r;
      },
      RouteAccess::kOpen);
  AddStaticPage("/docs", {web_dir + "/docs", web_dir + "/node_modules/swagger-ui-dist"}, router);
}

void AddConsoleRoutes(const std::string& web_dir, Router* router) {
  AddStaticPage("/console", {web_dir + "/console"}, router);
}

}  // namespace claims
