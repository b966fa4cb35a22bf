#include "proxy/config/route_table.hpp"

#include <fnmatch.h>

#include "proxy/config/app_path.hpp"

namespace foilcache::config {

bool routable(const AppPath& app, bool write) {
  // The app answers a 308 (or 404) and runs no view: nothing to store or to invalidate.
  if (app.not_absolute || app.inner_empty) return false;
  // A write the app runs is a write whatever its spelling: invalidating once too often costs
  // a miss, not invalidating serves what it changed. A read is cached under one spelling:
  // the app serves "//x" as "/x", but its answer may show the path it was asked for, and a
  // client that sends "." or ".." unresolved is not a browser.
  return write || !(app.leading_slashes || app.dot_segment);
}

const Route* match_route(const Config& config, std::string_view method, std::string_view path,
                         PathParams& params) {
  params.clear();
  // HEAD is answered from the GET entry (RFC 9110 §9.3.2: same headers as GET).
  const std::string_view effective = method == "HEAD" ? std::string_view("GET") : method;
  std::string scratch;  // used (allocated) only for a path with a '%'
  const AppPath app = app_path(path, scratch);
  if (!routable(app, effective != "GET")) return nullptr;
  for (const Route& route : config.routes) {
    if (route.method == effective && route.path.match(app.routed, params)) return &route;
  }
  params.clear();
  return nullptr;
}

bool tag_renders(const std::string& text, std::string_view tag) {
  if (text.find('{') == std::string::npos) return text == tag;
  std::string glob;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') {
      glob += text[i];
      continue;
    }
    glob += '*';
    i = text.find('}', i);
    if (i == std::string::npos) return false;
  }
  return ::fnmatch(glob.c_str(), std::string(tag).c_str(), 0) == 0;
}

namespace {

const std::string* find_in(const std::vector<std::string>& tags, std::string_view tag) {
  for (const std::string& text : tags) {
    if (tag_renders(text, tag)) return &text;
  }
  return nullptr;
}

}  // namespace

const std::string* configured_tag(const Config& config, std::string_view tag) {
  for (const Route& route : config.routes) {
    if (const auto* found = find_in(route.tags, tag)) return found;
    if (const auto* found = find_in(route.invalidates, tag)) return found;
  }
  for (const auto& [event, rule] : config.events) {
    if (const auto* found = find_in(rule.tags, tag)) return found;
  }
  return nullptr;
}

}  // namespace foilcache::config
