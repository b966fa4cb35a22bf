// How MyFoil v2.5.0 (Flask on Werkzeug 3, under gunicorn) reads a request path before any of
// its views runs: gunicorn percent-decodes the path once into PATH_INFO, Werkzeug's
// MapAdapter.match routes "/" + PATH_INFO.lstrip("/"), and a path with an empty segment
// matches no rule, so with merge_slashes (Flask's default) Werkzeug matches it again with
// the slashes merged and answers a 308 to that path, or a 404 when nothing matches it
// either. Case, ';' and "." / ".." segments are kept as they are. Pure.
#pragma once

#include <string>
#include <string_view>

namespace foilcache::stub {

// Werkzeug is lenient with malformed escapes: a valid %XX is its byte, anything else stays
// literal; '+' is a space only where `plus_is_space` (a query, not a path).
std::string lenient_decode(std::string_view s, bool plus_is_space);

struct PathRouting {
  enum class Kind {
    kRoute,     // the app's rules see `path`
    kRedirect,  // 308 to `path` (merged slashes), the query kept
    kNotFound,  // an empty segment and no rule for the merged path either: 404 for `path`
  };
  Kind kind = Kind::kRoute;
  std::string path;
};

// What the app does with `raw_path` (the request target's path, as received).
PathRouting route_path_info(std::string_view raw_path);

// True when one of the app's URL rules (the ones the stub serves, any method) matches `path`.
// A <name> segment matches one non-empty segment, as Werkzeug's default converter does.
bool app_has_rule(std::string_view path);

// The Location of Werkzeug's 308: scheme://host + `path` quoted as Werkzeug quotes it
// (safe "!$&'()*+,/:;=@" and the unreserved characters) + "?" + `query` when not empty.
std::string redirect_location(std::string_view scheme, std::string_view host, std::string_view path,
                              std::string_view query);

}  // namespace foilcache::stub
