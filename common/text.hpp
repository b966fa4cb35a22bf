// Field-value text helpers of RFC 9110 §5.6: optional whitespace and comma-separated lists.
// Pure, header-only.
#pragma once

#include <string_view>

namespace foilcache::common {

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
