#include "proxy/cache/ranges.hpp"

#include <charconv>

#include "common/text.hpp"

namespace foilcache::cache {
namespace {

using Kind = RangeAnswer::Kind;

std::optional<std::uint64_t> digits(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

RangeAnswer parse_range(std::string_view range, std::uint64_t length) {
  RangeAnswer out;
  range = common::trim_ows(range);
  const auto eq = range.find('=');
  if (eq == std::string_view::npos || !common::iequals(common::trim_ows(range.substr(0, eq)), "bytes")) return out;
  const std::string_view spec = common::trim_ows(range.substr(eq + 1));
  if (spec.find(',') != std::string_view::npos) return out;  // several ranges: the whole answer
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return out;
  const std::string_view first_text = spec.substr(0, dash);
  const std::string_view last_text = spec.substr(dash + 1);
  if (first_text.empty()) {  // suffix: the last N bytes
    const auto suffix = digits(last_text);
    if (!suffix) return out;
    if (*suffix == 0 || length == 0) {
      out.kind = Kind::kUnsatisfiable;
      return out;
    }
    out.kind = Kind::kPartial;
    out.first = *suffix >= length ? 0 : length - *suffix;
    out.last = length - 1;
    return out;
  }
  const auto first = digits(first_text);
  const auto last = last_text.empty() ? std::optional<std::uint64_t>(UINT64_MAX) : digits(last_text);
  if (!first || !last || *last < *first) return out;  // invalid: ignored (§14.1.1)
  if (*first >= length) {
    out.kind = Kind::kUnsatisfiable;
    return out;
  }
  out.kind = Kind::kPartial;
  out.first = *first;
  out.last = std::min(*last, length - 1);
  return out;
}

RangeAnswer range_for(const http::request_header<>& request, const Entry& entry, std::uint64_t length) {
  const auto range = request[http::field::range];
  if (range.empty() || entry.status != 200) return {};
  const auto if_range = common::trim_ows(request[http::field::if_range]);
  if (!if_range.empty()) {
    const bool tag = if_range.front() == '"' || if_range.starts_with("W/");
    // A weak tag never matches (§13.1.5); a date matches only the exact Last-Modified.
    const bool matches = tag ? !if_range.starts_with("W/") && if_range == entry.etag(false)
                             : if_range == entry.header("Last-Modified");
    if (!matches) return {};
  }
  return parse_range(range, length);
}

std::string content_range(const RangeAnswer& answer, std::uint64_t length) {
  if (answer.kind == Kind::kUnsatisfiable) return "bytes */" + std::to_string(length);
  return "bytes " + std::to_string(answer.first) + "-" + std::to_string(answer.last) + "/" + std::to_string(length);
}

}  // namespace foilcache::cache
