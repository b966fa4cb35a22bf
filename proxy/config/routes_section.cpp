#include "proxy/config/sections.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/text.hpp"
#include "proxy/config/route_table.hpp"

namespace foilcache::config {
namespace {

// The unsafe methods a write route may match (RFC 9110 §9.2.1).
bool is_write_method(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

// `match: "GET /path"` (or "POST /path" ...) into route.method and route.path; false
// (reported) when invalid.
bool read_match(YamlReader& in, const Value& value, const std::string& text, Route& route) {
  const auto space = text.find_first_of(" \t");
  const auto path_begin = space == std::string::npos ? std::string::npos : text.find_first_not_of(" \t", space);
  if (path_begin == std::string::npos) {
    in.error(value, "invalid match " + quoted(text) + " (expected \"GET /path\")");
    return false;
  }
  const std::string method = text.substr(0, space);
  const std::string path = text.substr(path_begin);
  if (method != "GET" && !is_write_method(method)) {
    in.error(value, method == "HEAD" ? "only GET routes can be cached (HEAD requests are served from GET routes)"
                                     : "only GET routes can be cached (and POST, PUT, PATCH and DELETE routes "
                                       "invalidate)");
    return false;
  }
  route.method = method;
  if (path.find_first_of(" \t") != std::string::npos) {
    in.error(value, "invalid match " + quoted(text) + " (expected \"GET /path\")");
    return false;
  }
  try {
    route.path = PathPattern::parse(path);
  } catch (const std::invalid_argument& e) {
    in.error(value, e.what());
    return false;
  }
  return true;
}

// `key:` parsed against the route's path (unknown when `path_ok` is false).
void read_key(YamlReader& in, const Value& value, bool path_ok, Route& route) {
  const auto text = in.typed_text(value);
  if (!text) return;
  if (text->find('@') != std::string::npos) {
    // Substituted values escape '@', so only a literal could start a rendered key with it.
    in.error(value, "'@' is reserved in keys (foilcache's own Redis keys start with prefix + '@')");
    return;
  }
  try {
    route.key = KeyTemplate::parse(*text, path_ok ? route.path : PathPattern{});
  } catch (const std::invalid_argument& e) {
    in.error(value, e.what());
  }
}

void read_statuses(YamlReader& in, const Value& value, Route& route) {
  const auto items = in.list(value);
  if (items.empty() && value.node && value.node.IsSequence()) {
    in.error(value, "'statuses' must not be empty");
    return;
  }
  std::vector<unsigned> statuses;
  for (const auto& item : items) {
    auto status = in.integer(Value{item.node, item.mark, "status"}, 200, 599);
    if (!status) continue;
    // A partial or a not-modified response is not the full representation.
    if (*status == 206 || *status == 304) {
      in.error(item, "status " + std::to_string(*status) + " cannot be stored");
      continue;
    }
    statuses.push_back(static_cast<unsigned>(*status));
  }
  if (!statuses.empty()) route.statuses = std::move(statuses);
}

// Literal text of a tag template: tag characters and ':' (between a tag and its scope).
bool is_tag_template_literal(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return is_tag_char(c) || c == ':'; });
}

// A list of tag templates (`tags:`, `invalidates:`) parsed against the route's path.
void read_tag_templates(YamlReader& in, const Value& value, bool path_ok, const Route& route,
                        std::vector<std::string>& texts, std::vector<KeyTemplate>& templates) {
  texts.clear();
  templates.clear();
  for (const auto& item : in.list(value)) {
    auto text = in.string(item);
    if (!text) continue;
    std::string literal;  // the text outside {placeholders}
    for (std::size_t i = 0; i < text->size(); ++i) {
      if ((*text)[i] == '{') {
        const auto close = text->find('}', i);
        i = close == std::string::npos ? text->size() : close;
        continue;
      }
      literal.push_back((*text)[i]);
    }
    if (text->empty() || !is_tag_template_literal(literal)) {
      in.error(item, "invalid tag " + quoted(*text) + " (letters, digits, '_', '-', '.', ':' and {placeholders})");
      continue;
    }
    try {
      templates.push_back(KeyTemplate::parse(*text, path_ok ? route.path : PathPattern{}));
      texts.push_back(std::move(*text));
    } catch (const std::invalid_argument& e) {
      in.error(item, "tag " + quoted(*text) + ": " + e.what());
    }
  }
}

// `content_types:`: "type/subtype" or "type/*" patterns (RFC 9110 §8.3.1 media types).
void read_content_types(YamlReader& in, const Value& value, Route& route) {
  route.content_types.clear();
  for (const auto& item : in.list(value)) {
    auto text = in.string(item);
    if (!text) continue;
    const auto slash = text->find('/');
    const bool ok = slash != std::string::npos && slash > 0 && slash + 1 < text->size() &&
                    std::all_of(text->begin(), text->end(), [](char c) {
                      return is_name_char(c) || c == '/' || c == '.' || c == '+' || c == '*';
                    }) &&
                    (text->find('*') == std::string::npos || text->substr(slash) == "/*");
    if (!ok) {
      in.error(item, "invalid content type " + quoted(*text) + " (expected type/subtype or type/*)");
      continue;
    }
    std::transform(text->begin(), text->end(), text->begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    route.content_types.push_back(std::move(*text));
  }
}

// The keys of a cached route that a write route cannot have, and the other way round.
constexpr const char* kCachedOnlyKeys[] = {"ttl",     "key",   "tags", "shared", "statuses", "max_entry_bytes",
                                           "stale_while_revalidate", "stale_if_error", "l1", "compress",
                                           "content_types", "ttl_default", "ttl_cap", "targeted_fields"};

// A write route: name, match, invalidates (required), nothing of caching.
void read_write_route(YamlReader& in, const Fields& f, const Value& value, bool path_ok, const std::string& label,
                      Route& route) {
  for (const auto* key : kCachedOnlyKeys) {
    if (f.get(key) == nullptr) continue;
    in.error(*f.get("match"), "only GET routes can be cached: a " + route.method +
                                  " route is a write route (name, match, invalidates), so " + quoted(key) +
                                  " does not apply");
    break;
  }
  const Value* v = f.get("invalidates");
  if (v == nullptr) {
    in.error(value, label + " is missing required key 'invalidates' (the tags its " + route.method +
                        " invalidates on a 2xx/3xx answer)");
    return;
  }
  read_tag_templates(in, *v, path_ok, route, route.invalidates, route.invalidate_templates);
  if (route.invalidates.empty() && v->node && v->node.IsSequence() && v->node.size() == 0) {
    in.error(*v, "'invalidates' must not be empty");
  }
}

// `ttl`: a duration, or `origin` with its optional ttl_default and ttl_cap.
void read_ttl(YamlReader& in, const Fields& f, const std::string& label, Route& route) {
  const Value* ttl = f.get("ttl");
  route.origin_ttl = ttl != nullptr && ttl->node.IsScalar() && ttl->node.Scalar() == "origin";
  if (!route.origin_ttl) {
    set_field(f, "ttl", route.ttl, [&](const Value& x) { return in.duration(x); });
    for (const auto* key : {"ttl_default", "ttl_cap", "targeted_fields"}) {
      if (const Value* v = f.get(key)) in.error(*v, label + ": " + quoted(key) + " applies to 'ttl: origin' routes only");
    }
    return;
  }
  set_field(f, "ttl_default", route.ttl_default, [&](const Value& x) { return in.duration(x, /*allow_zero=*/true); });
  set_field(f, "ttl_cap", route.ttl_cap, [&](const Value& x) { return in.duration(x); });
  if (route.ttl_default > route.ttl_cap) {
    in.error(*f.get("ttl_default"), label + ": 'ttl_default' must not exceed 'ttl_cap'");
  }
  route.ttl = route.ttl_cap;
  if (const Value* v = f.get("targeted_fields")) {
    route.targeted_fields.clear();
    for (const auto& item : in.list(*v)) {
      auto name = in.string(item);
      if (!name) continue;
      if (name->empty() || !std::all_of(name->begin(), name->end(), is_name_char) ||
          common::iequals(*name, "Cache-Control")) {
        in.error(item, "invalid targeted field " + quoted(*name) + " (a header name such as CDN-Cache-Control)");
        continue;
      }
      route.targeted_fields.push_back(std::move(*name));
    }
  }
}

// Returns true when `route` is complete (errors, if any, were reported).
bool read_route(YamlReader& in, const Value& value, Route& route) {
  if (!value.node.IsMap()) {
    in.error(value, "each route must be a mapping (name, match, ttl, key, ...)");
    return false;
  }
  const Value self{value.node, value.mark, "route"};
  const Fields f = in.fields(self, "route", "routes[]");
  const std::size_t errors_before = in.error_count();

  if (const Value* name = f.get("name")) {
    if (auto text = in.typed_text(*name)) {
      if (text->empty() || !std::all_of(text->begin(), text->end(), is_name_char)) {
        in.error(*name, "invalid route name " + quoted(*text) + " (letters, digits, '_' and '-')");
      }
      route.name = std::move(*text);
    }
  }
  const std::string label = route.name.empty() ? "route" : "route " + quoted(route.name);
  bool path_ok = false;
  if (const Value* v = f.get("match")) {
    if (auto text = in.typed_text(*v)) path_ok = read_match(in, *v, *text, route);
  }
  // Without a valid match the method is unknown: read as a cached route, which reports the
  // missing or bad match (a write route's messages point at its match).
  if (!route.method.empty() && route.write()) {
    if (f.get("name") == nullptr) in.error(value, label + " is missing required key 'name'");
    read_write_route(in, f, value, path_ok, label, route);
    return in.error_count() == errors_before;
  }
  for (const auto required : {"name", "match", "ttl", "key"}) {
    if (f.get(required) == nullptr) in.error(value, label + " is missing required key " + quoted(required));
  }
  if (const Value* v = f.get("invalidates")) {
    in.error(*v, label + ": 'invalidates' applies to write (POST, PUT, PATCH, DELETE) routes only");
  }
  read_ttl(in, f, label, route);
  if (const Value* v = f.get("key")) read_key(in, *v, path_ok, route);
  if (const Value* v = f.get("tags")) read_tag_templates(in, *v, path_ok, route, route.tags, route.tag_templates);
  route.tags_literal = std::none_of(route.tags.begin(), route.tags.end(),
                                    [](const std::string& tag) { return tag.find('{') != std::string::npos; });
  if (const Value* v = f.get("content_types")) read_content_types(in, *v, route);
  const auto boolean = [&](const Value& x) { return in.boolean(x); };
  const auto window = [&](const Value& x) { return in.duration(x, /*allow_zero=*/true); };
  set_field(f, "shared", route.shared, boolean);
  if (const Value* v = f.get("statuses")) read_statuses(in, *v, route);
  set_field(f, "max_entry_bytes", route.max_entry_bytes, [&](const Value& x) { return in.size(x); });
  set_field(f, "stale_while_revalidate", route.stale_while_revalidate, window);
  set_field(f, "stale_if_error", route.stale_if_error, window);
  set_field(f, "l1", route.l1, boolean);
  set_field(f, "compress", route.compress, boolean);
  if (route.shared && route.key.uses_user()) {
    in.error(*f.get("shared"), label +
                                   ": 'shared: true' says the response does not depend on the caller, "
                                   "but the key uses {user}; drop one of them");
  }
  return in.error_count() == errors_before;
}

// `headers:` of a warm entry: header name -> one-line value, appended to `request`.
void read_warm_headers(YamlReader& in, const Value& value, WarmRequest& request) {
  if (!value.node.IsMap()) {
    in.error(value, "'headers' must be a mapping of header name to value");
    return;
  }
  for (const auto& header : value.node) {
    const std::string& name = header.first.Scalar();
    if (!header.first.IsScalar() || name.empty() || !std::all_of(name.begin(), name.end(), is_name_char)) {
      in.error(header.first.Mark(), "invalid header name " + quoted(name));
      continue;
    }
    const Value header_value{header.second, header.second.IsNull() ? header.first.Mark() : header.second.Mark(),
                             name};
    auto text = in.string(header_value);
    if (!text) continue;
    if (text->find_first_of("\r\n") != std::string::npos) {
      in.error(header_value, "header " + quoted(name) + " must be a single line");
      continue;
    }
    request.headers.emplace_back(name, std::move(*text));
  }
}

}  // namespace

void read_routes(YamlReader& in, const Value& value, Config& config) {
  std::map<std::string, int, std::less<>> names;  // name -> 1-based line of its first use
  for (const auto& item : in.list(value)) {
    Route route;
    const bool complete = read_route(in, item, route);
    if (!route.name.empty()) {
      const auto [it, inserted] = names.emplace(route.name, item.mark.line + 1);
      if (!inserted) {
        in.error(item, "duplicate route name " + quoted(route.name) + " (first defined on line " +
                           std::to_string(it->second) + ")");
        continue;
      }
    }
    if (complete) config.routes.push_back(std::move(route));
  }
}

void read_warm(YamlReader& in, const Value& value, Config& config, bool check_routes) {
  for (const auto& item : in.list(value)) {
    if (!item.node.IsMap()) {
      in.error(item, "each warm entry must be a mapping (url, headers)");
      continue;
    }
    const Fields f = in.fields(item, "warm entry", "warm[]");
    const Value* url = f.get("url");
    if (url == nullptr) {
      in.error(item, "warm entry is missing required key 'url'");
      continue;
    }
    WarmRequest request;
    if (auto text = in.typed_text(*url)) request.target = std::move(*text);
    if (request.target.empty()) continue;  // already reported
    const std::string_view path = std::string_view(request.target).substr(0, request.target.find('?'));
    PathParams params;
    if (request.target.front() != '/' || request.target.find_first_of(" \t\r\n#") != std::string::npos) {
      in.error(*url, "warm url " + quoted(request.target) + " must be a path and query (\"/api/...?...\")");
      continue;
    }
    if (check_routes && match_route(config, "GET", path, params) == nullptr) {
      in.error(*url, "warm url " + quoted(request.target) + " matches no GET route: warming it would store nothing");
      continue;
    }
    if (const Value* v = f.get("headers")) read_warm_headers(in, *v, request);
    config.warm.push_back(std::move(request));
  }
}

}  // namespace foilcache::config
