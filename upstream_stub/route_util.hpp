// What the stub's route files share (internal to upstream_stub/): header access, the
// canned responses (404, 405, the app's error envelopes, Flask-Login's redirect), and
// Flask's request.json with the app's handle_api_errors around it. Pure.
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>

#include "common/net.hpp"

namespace foilcache::stub::route {

inline constexpr std::string_view kJson = "application/json";

std::string_view header(const http::fields& headers, std::string_view name);
std::string_view header(const http::fields& headers, http::field name);
bool has_header(const http::fields& headers, std::string_view name);
bool iequals(std::string_view a, std::string_view b);
bool icontains(std::string_view haystack, std::string_view needle);
// The last element of a comma-separated header, as ProxyFix with one trusted hop reads it.
std::string_view last_list_value(std::string_view value);
// A JSON string literal (compact, for the stub's hand-made bodies).
std::string json_string(std::string_view s);

http::response<http::string_body> json_ok(std::string body, unsigned version);
// The app's 404: JSON under /api/, Flask's HTML page elsewhere.
http::response<http::string_body> not_found(std::string_view path, unsigned version);
http::response<http::string_body> method_not_allowed(std::string_view allow, unsigned version);
// The stub's historical 401/403 of the read routes (kept: tests rely on them).
http::response<http::string_body> unauthorized(unsigned version);
http::response<http::string_body> forbidden(unsigned version);
// error_response(code, message, status_code=status): {"code","message","success":false}.
http::response<http::string_body> app_error(http::status status, std::string_view code,
                                            std::string_view message, unsigned version);
// access_required's failures in v2.5.0: 401 UNAUTHORIZED "Unauthorized", 403 FORBIDDEN.
http::response<http::string_body> app_unauthorized(unsigned version);
http::response<http::string_body> app_forbidden(unsigned version);
// handle_api_errors turning any exception into 500 INTERNAL_ERROR.
http::response<http::string_body> app_internal_error(unsigned version);
// Flask-Login's login_required without a session: 302 to /login?next=<path>.
http::response<http::string_body> login_redirect(std::string_view path, unsigned version);

// request.json under Werkzeug 3.1: nullopt where it raises (no application/json or
// application/*+json Content-Type: 415; a body that is not JSON: 400) — which every route
// wrapped in handle_api_errors answers 500. Duplicate keys: the last one wins, as in Python.
std::optional<rapidjson::Document> request_json(const http::request<http::string_body>& req);
// A member of an object value, the last of that name; nullptr when absent or not an object.
const rapidjson::Value* member(const rapidjson::Value& object, std::string_view name);
// Python's bool(value) of a decoded JSON value.
bool truthy(const rapidjson::Value& value);
// `value` when it is a string; nullopt for null or absent; `bad` set for other types.
std::optional<std::string> optional_string(const rapidjson::Value* value, bool& bad);
// The compact JSON text of `value`.
std::string to_json(const rapidjson::Value& value);

}  // namespace foilcache::stub::route
