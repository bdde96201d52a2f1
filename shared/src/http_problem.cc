#include "shared/http_problem.h"

#include <cctype>

#include "shared/json_limits.h"
#include "shared/json_log.h"

namespace claims {

HttpResponse Problem(int status, std::string_view slug, std::string_view title, std::string detail,
                     const FieldErrors& errors) {
  nlohmann::json body = {
      {"type", "/problems/" + std::string(slug)},
      {"title", title},
      {"status", status},
      {"detail", std::move(detail)},
  };
  if (!errors.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const FieldError& e : errors)
      list.push_back({{"location", e.location}, {"reason", e.reason}});
    body["errors"] = std::move(list);
    body["error_count"] = errors.total();
  }
  HttpResponse r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

HttpResponse MalformedJson(std::string detail) {
  return Problem(400, "malformed-json", "Malformed JSON", std::move(detail));
}

HttpResponse ValidationFailed(const FieldErrors& errors) {
  std::string detail = errors.total() == 1 ? "1 field is invalid"
                                           : std::to_string(errors.total()) + " fields are invalid";
  if (errors.size() < errors.total()) {
    detail += "; the first " + std::to_string(errors.size()) + " are listed";
  }
  return Problem(422, "validation-error", "Validation failed", detail, errors);
}

HttpResponse PayloadTooLarge(std::string detail) {
  return Problem(413, "payload-too-large", "Payload too large", std::move(detail));
}

HttpResponse NotFoundProblem(std::string detail) {
  return Problem(404, "not-found", "Not found", std::move(detail));
}

HttpResponse ConflictProblem(std::string detail) {
  return Problem(409, "conflict", "Conflict", std::move(detail));
}

HttpResponse ProblemFromStatus(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return Problem(422, "validation-error", "Validation failed", status.message());
    case StatusCode::kNotFound:
      return NotFoundProblem(status.message());
    case StatusCode::kConflict:
    case StatusCode::kFailedPrecondition:
      return ConflictProblem(status.message());
    case StatusCode::kUnavailable:
    case StatusCode::kLocked:
      return Problem(503, "unavailable", "Service unavailable", status.message())
          .WithHeader("Retry-After", "1");
    case StatusCode::kOk:
    case StatusCode::kInternal:
      break;
  }
  // Internal details stay in the log (with the request id); the client gets the request id.
  return Problem(500, "internal", "Internal error",
                 "the service failed to handle the request; quote the request id to an operator");
}

bool IsJsonMediaType(std::string_view content_type) {
  std::string type(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type == "application/json" ||
         (type.starts_with("application/") && type.ends_with("+json"));
}

bool ParseJsonBody(const HttpRequest& request, nlohmann::json* body, HttpResponse* problem,
                   const JsonLimits& limits) {
  if (request.body.empty()) {
    *problem = MalformedJson("the request body is empty; expected a JSON object");
    return false;
  }
  // Only a JSON media type: a web page on another site can make a browser send a text/plain
  // (or form) body to any address without asking, but not an application/json one. No
  // Content-Type at all is read as JSON, as FastAPI (the original specifications' framework)
  // does, so their clients work unchanged.
  const std::string type = request.Header("content-type").value_or("");
  if (!type.empty() && !IsJsonMediaType(type)) {
    *problem = Problem(415, "unsupported-media-type", "Unsupported media type",
                       "the body is " + CutText(type, 100) + "; send it as application/json");
    return false;
  }
  std::string error;
  bool too_large = false;
  *body = ParseBoundedJson(request.body, &error, &too_large, limits);
  if (!body->is_discarded()) return true;
  *problem = too_large ? PayloadTooLarge("the body is " + error + "; see the API's limits")
                       : MalformedJson("the body is " + error);
  return false;
}

HttpResponse RequestFailed(const HttpRequest& request, const Status& status) {
  if (status.code() == StatusCode::kInternal || status.code() == StatusCode::kUnavailable) {
    Log(status.code() == StatusCode::kInternal ? LogLevel::kError : LogLevel::kWarn,
        "request failed",
        {{"request_id", request.request_id}, {"path", request.path}, {"error", status.ToString()}});
  }
  return ProblemFromStatus(status);
}

HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

}  // namespace claims
