// The request path as the app routes it (HARDENING.md "Paths and keys"). MyFoil is Flask on
// Werkzeug 3 under gunicorn: the WSGI server percent-decodes the path once into PATH_INFO
// (%2F is a '/', a malformed '%' stays literal, '+' stays '+'), Werkzeug strips the leading
// slashes before matching, keeps case, ';' and "."/".." segments as they are, and answers a
// path with an empty segment after the first with a 308 to the merged path (merge_slashes)
// or a 404. Routes match, and keys render, what the app will route, or nothing.
#pragma once

#include <string>
#include <string_view>

namespace foilcache::config {

struct AppPath {
  // The path the app's rules see: `raw` decoded once, its leading slashes as one. Points into
  // `raw` for a plain path (no '%', one leading '/'), else into the caller's scratch string.
  std::string_view routed;
  bool leading_slashes = false;  // `raw` (decoded) starts with "//": served as `routed`
  bool inner_empty = false;      // an empty segment after the first ("/a//b"): a 308 or 404, never a route
  bool dot_segment = false;      // a "." or ".." segment: routed as it is; clients resolve them
  bool not_absolute = false;     // `raw` does not start with '/': no route can match
};

// How the app reads `raw` (a path without its query) for routing. Hot path: a plain path
// (the common case) is scanned once and allocates nothing; a path with a '%' is decoded into
// `scratch`, which must outlive the result's `routed`.
AppPath app_path(std::string_view raw, std::string& scratch);

}  // namespace foilcache::config
