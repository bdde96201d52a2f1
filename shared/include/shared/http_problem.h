// The one error shape of every HTTP API in the product: RFC 9457 problem details,
// served as application/problem+json:
//   {"type":"/problems/validation-error","title":"Validation failed","status":422,
//    "detail":"2 fields are invalid","instance":"/policies","request_id":"...",
//    "errors":[{"location":"body.end_date","reason":"must be after start_date"}]}
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "shared/field_error.h"
#include "shared/http_types.h"
#include "shared/json_limits.h"
#include "shared/status.h"

namespace claims {

// A problem answer. `slug` names the type ("/problems/<slug>"); `errors` is emitted when not
// empty, with "error_count" (every error counted; `errors` lists at most the first 100).
HttpResponse Problem(int status, std::string_view slug, std::string_view title, std::string detail,
                     const FieldErrors& errors = {});

// Common problems.
HttpResponse MalformedJson(std::string detail);
HttpResponse ValidationFailed(const FieldErrors& errors);
// 413: the body is over a limit (its size, nesting, items, rows); `detail` says which.
HttpResponse PayloadTooLarge(std::string detail);
HttpResponse NotFoundProblem(std::string detail);
HttpResponse ConflictProblem(std::string detail);

// The answer for a failed Status from lower layers: kInvalidArgument 422, kNotFound 404,
// kConflict and kFailedPrecondition 409, kUnavailable 503 (with Retry-After), kInternal 500.
HttpResponse ProblemFromStatus(const Status& status);
// ProblemFromStatus, and a log line with the request id and path when the fault is the
// service's (kInternal: error) or a dependency's (kUnavailable: warn).
HttpResponse RequestFailed(const HttpRequest& request, const Status& status);

// Whether a Content-Type is JSON: application/json or application/<x>+json, any parameters.
bool IsJsonMediaType(std::string_view content_type);

// Parses a JSON body within `limits`. On failure returns false and sets *problem: a 400 for an
// empty body or one that is not JSON (naming the position), a 415 when a Content-Type is given
// and is not JSON (IsJsonMediaType; none is read as JSON, as FastAPI does), or a 413 naming the
// limit (checked before anything is parsed).
bool ParseJsonBody(const HttpRequest& request, nlohmann::json* body, HttpResponse* problem,
                   const JsonLimits& limits = {});

// A 200/201 JSON answer.
HttpResponse JsonResponse(int status, const nlohmann::json& body);

}  // namespace claims
