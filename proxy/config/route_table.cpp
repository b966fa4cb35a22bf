#include "proxy/config/route_table.hpp"

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

}  // namespace foilcache::config
