#include "proxy/config/path_pattern.hpp"

#include <stdexcept>

namespace foilcache::config {
namespace {

bool is_param_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_literal_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u != 0x7f && c != '{' && c != '}' && c != '*' && c != '?' && c != '#';
}

}  // namespace

PathPattern PathPattern::parse(std::string_view text) {
  if (text.empty() || text.front() != '/') {
    throw std::invalid_argument("path must start with '/'");
  }
  PathPattern pattern;
  pattern.text_ = std::string(text);

  std::string_view rest = text.substr(1);
  if (rest == "*" || rest.ends_with("/*")) {
    pattern.prefix_ = true;
    rest.remove_suffix(rest == "*" ? 1 : 2);
    if (rest.empty() && text != "/*") throw std::invalid_argument("empty path segment before '/*'");
  }
  if (pattern.prefix_ && rest.empty()) return pattern;  // "/*": every path

  std::size_t start = 0;
  while (true) {
    const auto slash = rest.find('/', start);
    const std::string_view segment =
        rest.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    const bool last = slash == std::string_view::npos;
    // Only the last segment of an exact path may be empty ("/" or "/api/").
    if (segment.empty() && !(last && !pattern.prefix_)) {
      throw std::invalid_argument("empty path segment in '" + pattern.text_ + "'");
    }
    Segment parsed;
    if (segment.starts_with('{')) {
      if (!segment.ends_with('}') || segment.size() < 2) {
        throw std::invalid_argument("a {name} must be a whole path segment");
      }
      const auto name = segment.substr(1, segment.size() - 2);
      if (name.empty()) throw std::invalid_argument("empty {} in path");
      for (const char c : name) {
        if (!is_param_name_char(c)) {
          throw std::invalid_argument("invalid path parameter name '" + std::string(name) +
                                      "' (letters, digits and '_' only)");
        }
      }
      if (pattern.has_param(name)) {
        throw std::invalid_argument("duplicate path parameter {" + std::string(name) + "}");
      }
      parsed.is_param = true;
      parsed.literal = std::string(name);
    } else {
      // Clients resolve them, and the route table lets no cached read match them.
      if (segment == "." || segment == "..") {
        throw std::invalid_argument("a '.' or '..' segment in '" + pattern.text_ + "' (clients resolve them)");
      }
      if (segment.find('%') != std::string_view::npos) {
        throw std::invalid_argument("'%' in '" + pattern.text_ + "': write the path decoded, as the app routes it");
      }
      for (const char c : segment) {
        if (c == '*') throw std::invalid_argument("'*' is only allowed as a final '/*'");
        if (c == '{' || c == '}') throw std::invalid_argument("a {name} must be a whole path segment");
        if (!is_literal_char(c)) {
          throw std::invalid_argument("invalid character in path '" + pattern.text_ + "'");
        }
      }
      parsed.literal = std::string(segment);
    }
    pattern.segments_.push_back(std::move(parsed));
    if (last) break;
    start = slash + 1;
  }
  return pattern;
}

bool PathPattern::match(std::string_view path, PathParams& params) const {
  params.clear();
  if (segments_.empty() && !prefix_) return false;  // default-constructed: matches nothing
  if (path.empty() || path.front() != '/') return false;
  std::size_t pos = 1;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    auto end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(pos, end - pos);
    const Segment& want = segments_[i];
    if (want.is_param) {
      if (segment.empty()) return false;
      params.emplace_back(want.literal, segment);
    } else if (segment != want.literal) {
      return false;
    }
    const bool last = i + 1 == segments_.size();
    if (!last) {
      if (end == path.size()) return false;
      pos = end + 1;
    } else if (prefix_) {
      return end < path.size();  // path[end] is the '/' of "/prefix/..."
    } else {
      return end == path.size();
    }
  }
  return prefix_;  // "/*" has no segments and matches any path starting with '/'
}

bool PathPattern::has_param(std::string_view name) const {
  for (const auto& segment : segments_) {
    if (segment.is_param && segment.literal == name) return true;
  }
  return false;
}

}  // namespace foilcache::config
