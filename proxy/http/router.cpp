#include "proxy/http/router.hpp"

#include <string>
#include <vector>

#include "proxy/config/percent_decode.hpp"
#include "proxy/config/route_table.hpp"

namespace foilcache::http_server {
namespace {

constexpr std::string_view kWebhookPath = "/api/cache/webhook";

}  // namespace

bool is_admin_path(std::string_view path) { return path == "/api/cache" || path.starts_with("/api/cache/"); }

bool is_own_path(std::string_view path) {
  return path == "/healthz" || path == "/readyz" || path == "/metrics" || is_admin_path(path);
}

std::string normalised_path(std::string_view raw) {
  const std::string decoded = config::decoded(raw, /*plus_is_space=*/false);
  std::vector<std::string_view> segments;
  std::string_view rest = decoded;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
  }
  std::string out;
  for (const auto segment : segments) out.append("/").append(segment);
  // A trailing slash stays: `/metrics/` is another route to the app than `/metrics`.
  if (out.empty() || decoded.ends_with('/')) out.push_back('/');
  return out;
}

bool is_own_path_in_disguise(std::string_view raw) {
  // Most paths have nothing to decode or resolve: no allocation for them.
  if (raw.find('%') == std::string_view::npos && raw.find("//") == std::string_view::npos &&
      raw.find("/.") == std::string_view::npos) {
    return false;
  }
  return !is_own_path(raw) && is_own_path(normalised_path(raw));
}

Decision decide(const config::Config& config, const http::request_header<>& request) {
  Decision d;
  const std::string_view target = request.target();
  const auto question = target.find('?');
  d.path = target.substr(0, question);
  d.query = question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  if (is_own_path(d.path)) {
    d.target = d.path == "/healthz"      ? Target::kHealth
               : d.path == "/readyz"     ? Target::kReady
               : d.path == "/metrics"    ? Target::kMetrics
               : d.path == kWebhookPath  ? Target::kWebhook
                                         : Target::kAdmin;
    return d;
  }
  if (request.count(http::field::upgrade) != 0) {
    d.target = Target::kUpgrade;
    return d;
  }
  d.route = config::match_route(config, request.method_string(), d.path, d.params);
  if (d.route == nullptr) return d;
  d.target = d.route->write() ? Target::kWrite : Target::kRouted;
  d.route_index = static_cast<std::size_t>(d.route - config.routes.data());
  return d;
}

}  // namespace foilcache::http_server
