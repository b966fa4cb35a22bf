// Field-value text helpers of RFC 9110 §5.6: optional whitespace, comma-separated lists and
// case-insensitive tokens. Pure, header-only.
#pragma once

#include <algorithm>
#include <string_view>

namespace foilcache::common {

// The ASCII lowercase of `c`; any other byte as is (no locale).
constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// ASCII case-insensitive equality (field names, tokens, codings; RFC 9110 §5.1). Use it, not
// beast::iequals: Boost 1.81's reads one byte past both arguments when their last characters
// differ only in case ("s-maxagE"), out of bounds when a view ends where its buffer does.
constexpr bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

// RFC 9110 §5.6.3: OWS is spaces and horizontal tabs.
constexpr bool is_ows(char c) { return c == ' ' || c == '\t'; }

// `text` without leading and trailing OWS.
constexpr std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && is_ows(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ows(text.back())) text.remove_suffix(1);
  return text;
}

// Calls fn(member) for each non-empty member of a comma-separated list (RFC 9110 §5.6.1,
// e.g. Vary, Connection, If-None-Match), OWS trimmed. Quoted strings are not special:
// callers whose members may hold a quoted comma parse them themselves.
template <typename Fn>
constexpr void for_each_list_member(std::string_view value, Fn&& fn) {
  while (!value.empty()) {
    const auto comma = value.find(',');
    const std::string_view member = trim_ows(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    if (!member.empty()) fn(member);
  }
}

}  // namespace foilcache::common
