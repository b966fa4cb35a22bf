// First-match-wins route lookup over a Config's routes.
#pragma once

#include <string_view>

#include "proxy/config/config.hpp"

namespace foilcache::config {

// Returns the first route whose method and path match, or nullptr. HEAD matches GET
// routes. `path` is raw (no query). Fills `params` with the route's {name} captures.
const Route* match_route(const Config& config, std::string_view method, std::string_view path,
                         PathParams& params);

}  // namespace foilcache::config
