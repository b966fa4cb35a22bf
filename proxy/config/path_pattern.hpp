// A route's PATH: exact ("/api/system/info"), prefix ("/api/titles/*") or with named
// segments ("/api/app_info/{id}"). Matching is on the raw request path (before any
// percent-decoding), so foilcache and the app never disagree about which route a
// request is; captured segment values are percent-decoded (a malformed '%' stays
// literal, as the app decodes it).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace foilcache::config {

using PathParams = std::vector<std::pair<std::string, std::string>>;  // name -> decoded value

class PathPattern {
 public:
  PathPattern() = default;
  // Parses PATH. Throws std::invalid_argument with a message (no location) when malformed:
  // not starting with '/', '*' anywhere but a final "/*", empty or duplicate {name}, ...
  static PathPattern parse(std::string_view text);

  // True when `path` (raw, without query) matches; fills `params` (cleared first).
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
