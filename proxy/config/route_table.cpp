#include "proxy/config/route_table.hpp"

#include <fnmatch.h>

namespace foilcache::config {

const Route* match_route(const Config& config, std::string_view method, std::string_view path,
                         PathParams& params) {
  // HEAD is answered from the GET entry (RFC 9110 §9.3.2: same headers as GET).
  const std::string_view effective = method == "HEAD" ? std::string_view("GET") : method;
  for (const Route& route : config.routes) {
    if (route.method == effective && route.path.match(path, params)) return &route;
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
