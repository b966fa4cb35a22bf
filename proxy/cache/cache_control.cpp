#include "proxy/cache/cache_control.hpp"
#include "common/text.hpp"

#include <charconv>

namespace foilcache::cache {
namespace {

bool is_tchar(char c) {
  // RFC 9110 §5.6.2.
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

using common::is_ows;

std::optional<unsigned long long> delta_seconds(std::string_view text) {
  // §1.2.2: a value too large to represent is the greatest representable one.
  if (text.empty()) return std::nullopt;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  unsigned long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) return 2'147'483'648ULL;
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A freshness directive's value: a second, different one or an invalid one is a conflict.
void set_delta(std::optional<unsigned long long>& slot, std::string_view argument, bool has_argument,
               bool& conflicting) {
  const auto value = has_argument ? delta_seconds(argument) : std::nullopt;
  if (!value || (slot && *slot != *value)) conflicting = true;
  if (value && !slot) slot = value;
}

void apply(std::string_view name, std::string_view argument, bool has_argument, CacheControl& out) {
  if (common::iequals(name, "no-store")) {
    out.no_store = true;
  } else if (common::iequals(name, "no-cache")) {
    out.no_cache = true;
  } else if (common::iequals(name, "private")) {
    out.private_ = true;
  } else if (common::iequals(name, "public")) {
    out.public_ = true;
  } else if (common::iequals(name, "max-age")) {
    set_delta(out.max_age, argument, has_argument, out.conflicting);
  } else if (common::iequals(name, "s-maxage")) {
    set_delta(out.s_maxage, argument, has_argument, out.conflicting);
  } else if (common::iequals(name, "must-revalidate")) {
    out.must_revalidate = true;
  } else if (common::iequals(name, "proxy-revalidate")) {
    out.proxy_revalidate = true;
  } else if (common::iequals(name, "max-stale")) {
    out.max_stale = has_argument ? delta_seconds(argument).value_or(0) : ~0ULL;
  } else if (common::iequals(name, "min-fresh") && has_argument) {
    if (auto v = delta_seconds(argument)) out.min_fresh = v;
  } else if (common::iequals(name, "only-if-cached")) {
    out.only_if_cached = true;
  } else if (common::iequals(name, "stale-while-revalidate") && has_argument) {
    if (auto v = delta_seconds(argument)) out.stale_while_revalidate = v;
  } else if (common::iequals(name, "stale-if-error") && has_argument) {
    if (auto v = delta_seconds(argument)) out.stale_if_error = v;
  }
}

// A malformed member still counts when it restricts storage: doubt must not make a
// response storable.
void fail_safe(std::string_view name, CacheControl& out) {
  if (common::iequals(name, "no-store") || common::iequals(name, "no-cache") ||
      common::iequals(name, "private")) {
    apply(name, {}, false, out);
  }
  if (common::iequals(name, "max-age") || common::iequals(name, "s-maxage")) out.conflicting = true;
}

}  // namespace

void parse_cache_control(std::string_view value, CacheControl& out) {
  std::size_t i = 0;
  const std::size_t n = value.size();
  auto skip_to_next_member = [&] {
    // Skip to the comma that ends this member, stepping over quoted strings.
    bool quoted = false;
    for (; i < n; ++i) {
      const char c = value[i];
      if (quoted) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          quoted = false;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        ++i;
        return;
      }
    }
  };
  while (i < n) {
    while (i < n && (is_ows(value[i]) || value[i] == ',')) ++i;
    const std::size_t name_begin = i;
    while (i < n && is_tchar(value[i])) ++i;
    const std::string_view name = value.substr(name_begin, i - name_begin);
    if (name.empty()) {
      skip_to_next_member();
      continue;
    }
    while (i < n && is_ows(value[i])) ++i;
    if (i == n || value[i] == ',') {
      apply(name, {}, false, out);
      continue;
    }
    if (value[i] != '=') {
      fail_safe(name, out);
      skip_to_next_member();
      continue;
    }
    ++i;
    while (i < n && is_ows(value[i])) ++i;
    std::string_view argument;
    bool well_formed = true;
    if (i < n && value[i] == '"') {
      // quoted-string (§5.6.4); the directives we read never need the unescaped text.
      const std::size_t begin = ++i;
      while (i < n && value[i] != '"') {
        if (value[i] == '\\') ++i;
        ++i;
      }
      if (i >= n) {
        well_formed = false;
      } else {
        argument = value.substr(begin, i - begin);
        ++i;
      }
    } else {
      const std::size_t begin = i;
      while (i < n && is_tchar(value[i])) ++i;
      argument = value.substr(begin, i - begin);
    }
    while (i < n && is_ows(value[i])) ++i;
    if (!well_formed || (i < n && value[i] != ',')) {
      fail_safe(name, out);
      skip_to_next_member();
      continue;
    }
    apply(name, argument, true, out);
  }
}

CacheControl parse_cache_control(const http::fields& fields) {
  CacheControl out;
  for (auto [it, end] = fields.equal_range(http::field::cache_control); it != end; ++it) {
    parse_cache_control(it->value(), out);
  }
  return out;
}

std::optional<CacheControl> parse_cache_control(const http::fields& fields, std::string_view name) {
  auto [it, end] = fields.equal_range(name);
  if (it == end) return std::nullopt;
  CacheControl out;
  for (; it != end; ++it) parse_cache_control(it->value(), out);
  return out;
}

}  // namespace foilcache::cache
