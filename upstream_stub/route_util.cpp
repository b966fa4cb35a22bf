#include "upstream_stub/route_util.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "common/hex.hpp"
#include "common/text.hpp"
#include "upstream_stub/library_model.hpp"
#include "upstream_stub/stub_handlers.hpp"

namespace foilcache::stub::route {
namespace {

constexpr std::string_view kRealm = "Basic realm=\"MyFoil\"";
constexpr std::string_view kHtml = "text/html; charset=utf-8";

bool is_api(std::string_view path) { return path.substr(0, 5) == "/api/"; }

bool same_ci(char x, char y) {
  return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
}

// urllib.parse.quote_plus, as Werkzeug's url_encode writes a query value.
std::string quote_plus(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      common::append_pct_upper(out, c);
    }
  }
  return out;
}

}  // namespace

std::string_view header(const http::fields& headers, std::string_view name) {
  auto it = headers.find(name);
  return it == headers.end() ? std::string_view{} : std::string_view(it->value());
}

std::string_view header(const http::fields& headers, http::field name) {
  auto it = headers.find(name);
  return it == headers.end() ? std::string_view{} : std::string_view(it->value());
}

bool has_header(const http::fields& headers, std::string_view name) {
  return headers.find(name) != headers.end();
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), same_ci);
}

bool icontains(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), same_ci) !=
         haystack.end();
}

std::string_view last_list_value(std::string_view value) {
  const auto comma = value.rfind(',');
  return common::trim_ows(comma == std::string_view::npos ? value : value.substr(comma + 1));
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

http::response<http::string_body> json_ok(std::string body, unsigned version) {
  return make_response(http::status::ok, std::move(body), kJson, version);
}

http::response<http::string_body> not_found(std::string_view path, unsigned version) {
  if (is_api(path)) {
    return make_response(http::status::not_found, error_body("NOT_FOUND", "Resource not found"),
                         kJson, version);
  }
  return make_response(http::status::not_found,
                       "<!doctype html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n", kHtml,
                       version);
}

http::response<http::string_body> method_not_allowed(std::string_view allow, unsigned version) {
  auto res = make_response(http::status::method_not_allowed,
                           "<!doctype html>\n<title>405 Method Not Allowed</title>\n"
                           "<h1>Method Not Allowed</h1>\n",
                           kHtml, version);
  res.set(http::field::allow, allow);
  return res;
}

http::response<http::string_body> unauthorized(unsigned version) {
  auto res = make_response(http::status::unauthorized,
                           tinfoil_error_body("Authentication required"), kJson, version);
  res.set(http::field::www_authenticate, kRealm);
  return res;
}

http::response<http::string_body> forbidden(unsigned version) {
  return make_response(http::status::forbidden, "Forbidden", kHtml, version);
}

http::response<http::string_body> app_error(http::status status, std::string_view code,
                                            std::string_view message, unsigned version) {
  return make_response(status, error_body(code, message), kJson, version);
}

http::response<http::string_body> app_unauthorized(unsigned version) {
  return app_error(http::status::unauthorized, "UNAUTHORIZED", "Unauthorized", version);
}

http::response<http::string_body> app_forbidden(unsigned version) {
  return app_error(http::status::forbidden, "FORBIDDEN", "Forbidden", version);
}

http::response<http::string_body> app_internal_error(unsigned version) {
  return app_error(http::status::internal_server_error, "INTERNAL_ERROR",
                   "An unexpected error occurred", version);
}

http::response<http::string_body> login_redirect(std::string_view path, unsigned version) {
  const std::string location = "/login?next=" + quote_plus(path);
  auto res = make_response(http::status::found,
                           "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n"
                           "<h1>Redirecting...</h1>\n<p>You should be redirected automatically "
                           "to the target URL: <a href=\"" +
                               location + "\">" + location + "</a>. If not, click the link.\n",
                           kHtml, version);
  res.set(http::field::location, location);
  return res;
}

std::optional<rapidjson::Document> request_json(const http::request<http::string_body>& req) {
  std::string_view type = header(req, http::field::content_type);
  type = common::trim_ows(type.substr(0, type.find(';')));
  const bool json = iequals(type, "application/json") ||
                    (type.size() > 17 && iequals(type.substr(0, 12), "application/") &&
                     iequals(type.substr(type.size() - 5), "+json"));
  if (!json) return std::nullopt;
  rapidjson::Document d;
  d.Parse<rapidjson::kParseNanAndInfFlag | rapidjson::kParseValidateEncodingFlag>(
      req.body().data(), req.body().size());
  if (d.HasParseError()) return std::nullopt;
  return d;
}

const rapidjson::Value* member(const rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  const rapidjson::Value* found = nullptr;
  for (const auto& m : object.GetObject()) {
    if (std::string_view(m.name.GetString(), m.name.GetStringLength()) == name) found = &m.value;
  }
  return found;
}

bool truthy(const rapidjson::Value& v) {
  if (v.IsNull()) return false;
  if (v.IsBool()) return v.GetBool();
  if (v.IsNumber()) return v.GetDouble() != 0.0;
  if (v.IsString()) return v.GetStringLength() != 0;
  if (v.IsArray()) return !v.Empty();
  return v.MemberCount() != 0;
}

std::optional<std::string> optional_string(const rapidjson::Value* value, bool& bad) {
  if (value == nullptr || value->IsNull()) return std::nullopt;
  if (!value->IsString()) {
    bad = true;
    return std::nullopt;
  }
  return std::string(value->GetString(), value->GetStringLength());
}

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  value.Accept(w);
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace foilcache::stub::route
