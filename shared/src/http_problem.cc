#include "shared/http_problem.h"

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
  const std::string detail = errors.size() == 1
                                 ? "1 field is invalid"
                                 : std::to_string(errors.size()) + " fields are invalid";
  return Problem(422, "validation-error", "Validation failed", detail, errors);
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

bool ParseJsonBody(const HttpRequest& request, nlohmann::json* body, HttpResponse* problem) {
  if (request.body.empty()) {
    *problem = MalformedJson("the request body is empty; expected a JSON object");
    return false;
  }
  try {
    *body = nlohmann::json::parse(request.body);
    return true;
  } catch (const nlohmann::json::parse_error& e) {
    *problem = MalformedJson("the body is not valid JSON (byte " + std::to_string(e.byte) + ")");
    return false;
  } catch (const nlohmann::json::exception& e) {
    // A number too large for a double ("1e400") is valid JSON the parser cannot hold.
    *problem = MalformedJson(std::string("the body cannot be read: ") + e.what());
    return false;
  }
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
