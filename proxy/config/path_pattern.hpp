// A route's PATH: exact ("/api/system/info"), prefix ("/api/titles/*") or with named
// segments ("/api/app_info/{id}"), written as the app's rules are (decoded). Matching is on
// the path as the app routes it (config/app_path.hpp: percent-decoded once), so a request
// is the route, with the segment values, that the app will serve it as; the route table
// decides which spellings may match at all.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace foilcache::config {

using PathParams = std::vector<std::pair<std::string, std::string>>;  // name -> value as the app reads it

class PathPattern {
 public:
  PathPattern() = default;
  // Parses PATH. Throws std::invalid_argument with a message (no location) when malformed:
  // not starting with '/', '*' anywhere but a final "/*", empty or duplicate {name}, a '%'
  // (write the path decoded, as the app's rules are), a "." or ".." segment, ...
  static PathPattern parse(std::string_view text);

  // True when `path` (as the app routes it: AppPath::routed) matches; fills `params`
  // (cleared first) with the segments as they are in `path`.
  // A {name} segment matches exactly one non-empty segment; "/prefix/*" matches
  // "/prefix/" followed by anything (not "/prefix" itself).
  bool match(std::string_view path, PathParams& params) const;

  const std::string& text() const { return text_; }
  bool has_param(std::string_view name) const;

 private:
  struct Segment {
    std::string literal;  // when !is_param
    bool is_param = false;
  };
  std::string text_;
  std::vector<Segment> segments_;
  bool prefix_ = false;  // ends in "/*"
};

}  // namespace foilcache::config
