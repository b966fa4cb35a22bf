#include "proxy/pipeline/unsafe_invalidation.hpp"

#include <algorithm>

#include "common/text.hpp"
#include "proxy/cache/identity.hpp"
#include "proxy/config/route_table.hpp"

namespace foilcache::pipeline {
namespace {

// The origin-form part ("/path?query") of a Location / Content-Location value on this
// host: an absolute path, or an http(s) URI whose authority is the request's Host. "" else.
std::string_view same_origin_target(std::string_view value, std::string_view host) {
  value = common::trim_ows(value);
  if (value.starts_with("/") && !value.starts_with("//")) return value;
  for (const std::string_view scheme : {"http://", "https://"}) {
    if (value.size() <= scheme.size() || !common::iequals(value.substr(0, scheme.size()), scheme)) continue;
    const std::string_view rest = value.substr(scheme.size());
    const auto slash = std::min(rest.find('/'), rest.size());
    if (host.empty() || !common::iequals(rest.substr(0, slash), host)) return {};
    return slash == rest.size() ? std::string_view("/") : rest.substr(slash);
  }
  return {};
}

// The key of `target` under the origin GET route that matches it, if one does.
void add_key(const config::Config& config, const http::request_header<>& request, std::string_view target,
             std::vector<std::string>& keys) {
  const auto question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  config::PathParams params;
  const config::Route* route = config::match_route(config, "GET", path, params);
  if (route == nullptr || !route->origin_ttl) return;
  const std::string user = cache::route_user(*route, request, config.identity);
  std::string key = route->key.render(config::RenderInput{"GET", path, query, &params, &request, user});
  if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
}

}  // namespace

std::vector<std::string> origin_keys_invalidated(const config::Config& config, const http::request_header<>& request,
                                                 const http::response_header<>& response) {
  std::vector<std::string> keys;
  const std::string_view host = request[http::field::host];
  add_key(config, request, request.target(), keys);
  for (const auto field : {http::field::location, http::field::content_location}) {
    const std::string_view target = same_origin_target(response[field], host);
    if (!target.empty()) add_key(config, request, target, keys);
  }
  return keys;
}

}  // namespace foilcache::pipeline
