#include "proxy/config/app_path.hpp"

#include "proxy/config/percent_decode.hpp"

namespace foilcache::config {
namespace {

// Classifies the segments of `path` (which starts with '/') into `out`.
void classify_segments(std::string_view path, AppPath& out) {
  std::size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "." || segment == "..") out.dot_segment = true;
    if (segment.empty() && end != path.size()) out.inner_empty = true;
    start = end + 1;
  }
}

}  // namespace

AppPath app_path(std::string_view raw, std::string& scratch) {
  AppPath out;
  if (raw.empty() || raw.front() != '/') {
    out.not_absolute = true;
    return out;
  }
  std::string_view decoded = raw;
  if (raw.find('%') != std::string_view::npos) {
    // PATH_INFO is decoded once: "%2570" is "%70" to the app, never "p".
    scratch.clear();
    append_decoded(scratch, raw, /*plus_is_space=*/false);
    decoded = scratch;
  }
  // Werkzeug's MapAdapter.match routes "/" + path_info.lstrip("/").
  const auto first = decoded.find_first_not_of('/');
  out.leading_slashes = first != 1 && decoded.size() > 1;
  out.routed = first == std::string_view::npos ? decoded.substr(decoded.size() - 1) : decoded.substr(first - 1);
  classify_segments(out.routed, out);
  return out;
}

}  // namespace foilcache::config
