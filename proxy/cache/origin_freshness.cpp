#include "proxy/cache/origin_freshness.hpp"

#include <algorithm>
#include <charconv>

#include "common/text.hpp"
#include "proxy/cache/cache_control.hpp"
#include "proxy/cache/conditional.hpp"

namespace foilcache::cache {
namespace {

// §1.2.2: a delta-seconds value too large to represent is 2^31.
constexpr std::int64_t kMaxDelta = 2'147'483'648;
// §4.2.2 leaves the heuristic's bound to the cache; one day, as common caches use, and
// never above the route's ttl_cap.
constexpr std::int64_t kHeuristicMax = 86'400;

std::int64_t bounded(unsigned long long value) { return static_cast<std::int64_t>(std::min<unsigned long long>(value, kMaxDelta)); }

// The first targeted field with a non-empty value, parsed (RFC 9213 §2.2), and its name.
std::optional<CacheControl> targeted_cache_control(const http::response_header<>& response,
                                                   std::span<const std::string> fields, const char*& which) {
  for (const auto& name : fields) {
    const auto value = common::trim_ows(response[name]);
    if (value.empty()) continue;
    which = name.c_str();
    return parse_cache_control(response, name);
  }
  return std::nullopt;
}

// A field that must appear once (Expires, Date): its value, or nullopt; `conflict` is set
// when it appears several times with different values.
std::optional<std::string_view> single(const http::response_header<>& response, http::field name, bool& conflict) {
  auto [it, end] = response.equal_range(name);
  if (it == end) return std::nullopt;
  const std::string_view first = it->value();
  for (++it; it != end; ++it) conflict = conflict || it->value() != first;
  return first;
}

// §4.2.3: how old the response was when it arrived.
std::int64_t initial_age(const http::response_header<>& response, std::int64_t date, std::int64_t request_time,
                         std::int64_t response_time) {
  const std::int64_t age_value = parse_age(response[http::field::age]).value_or(0);
  const std::int64_t apparent_age = std::max<std::int64_t>(0, response_time - date);
  const std::int64_t response_delay = std::max<std::int64_t>(0, response_time - request_time);
  return std::min(kMaxDelta, std::max(apparent_age, age_value + response_delay));
}

}  // namespace

Reuse request_reuse(const http::request_header<>& request, std::int64_t age_s, std::int64_t left_ms,
                    bool must_revalidate) {
  const bool has_cache_control = request.count(http::field::cache_control) != 0;
  const CacheControl asks = parse_cache_control(request);
  bool pragma_no_cache = false;
  if (!has_cache_control) {  // §5.4: Pragma counts only without Cache-Control
    for (auto [it, end] = request.equal_range(http::field::pragma); it != end; ++it) {
      common::for_each_list_member(it->value(), [&](std::string_view d) { pragma_no_cache |= common::iequals(d, "no-cache"); });
    }
  }
  if (asks.no_cache || pragma_no_cache) return Reuse::kValidate;
  if (asks.max_age && static_cast<unsigned long long>(std::max<std::int64_t>(0, age_s)) > *asks.max_age) {
    return Reuse::kValidate;
  }
  if (asks.min_fresh && left_ms < static_cast<std::int64_t>(std::min<unsigned long long>(*asks.min_fresh, kMaxDelta)) * 1000) {
    return Reuse::kValidate;
  }
  if (left_ms > 0) return Reuse::kServe;
  const bool stale_allowed = asks.max_stale && !must_revalidate &&
                             (*asks.max_stale >= static_cast<unsigned long long>(kMaxDelta) ||
                              -left_ms <= static_cast<std::int64_t>(*asks.max_stale) * 1000);
  return stale_allowed ? Reuse::kServe : Reuse::kValidate;
}

bool forbids_stale(std::string_view value) {
  CacheControl cc;
  parse_cache_control(value, cc);
  return forbids_stale(cc);
}

bool forbids_stale(const CacheControl& cc) {
  return cc.must_revalidate || cc.proxy_revalidate || cc.s_maxage.has_value() || cc.no_cache;
}

bool only_if_cached(const http::request_header<>& request) { return parse_cache_control(request).only_if_cached; }

bool heuristically_cacheable(unsigned status) {
  switch (status) {
    case 200: case 203: case 204: case 206: case 300: case 301: case 308: case 404: case 405: case 410: case 414:
    case 501:
      return true;
    default:
      return false;
  }
}

std::optional<std::int64_t> parse_age(std::string_view value) {
  value = common::trim_ows(value.substr(0, value.find(',')));
  if (value.empty() || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  unsigned long long age = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), age);
  if (ec == std::errc::result_out_of_range) return kMaxDelta;
  return ec == std::errc() ? std::optional<std::int64_t>(bounded(age)) : std::nullopt;
}

OriginFreshness origin_freshness(const http::request_header<>& request, const http::response_header<>& response,
                                 const OriginBounds& bounds, std::int64_t request_time_s,
                                 std::int64_t response_time_s, std::span<const std::string> targeted_fields) {
  OriginFreshness out;
  const unsigned status = response.result_int();
  if (status < 200 || status == 206 || status == 304) {
    out.verdict = OriginVerdict::kStatus;
    return out;
  }
  const std::optional<CacheControl> targeted = targeted_cache_control(response, targeted_fields, out.targeted);
  const CacheControl cc = targeted ? *targeted : parse_cache_control(response);
  if (cc.no_store || parse_cache_control(request).no_store) {
    out.verdict = OriginVerdict::kNoStore;
    return out;
  }
  if (cc.private_) {
    out.verdict = OriginVerdict::kPrivate;
    return out;
  }
  if (request.count(http::field::authorization) != 0 && !cc.must_revalidate && !cc.public_ && !cc.s_maxage) {
    out.verdict = OriginVerdict::kAuthorization;
    return out;
  }
  bool conflict = cc.conflicting;
  const auto date_text = single(response, http::field::date, conflict);
  const std::int64_t date = date_text ? parse_http_date(*date_text).value_or(response_time_s) : response_time_s;
  out.initial_age_s = initial_age(response, date, request_time_s, response_time_s);

  // §4.2.1, in a shared cache's order; a targeted field replaces Expires as well.
  std::optional<std::int64_t> lifetime;
  if (cc.s_maxage) {
    lifetime = bounded(*cc.s_maxage);
  } else if (cc.max_age) {
    lifetime = bounded(*cc.max_age);
  } else if (!targeted) {
    if (const auto expires = single(response, http::field::expires, conflict)) {
      // §5.3: an invalid date ("0" among them) is in the past.
      const auto when = parse_http_date(*expires);
      lifetime = when ? std::max<std::int64_t>(0, *when - date) : 0;
    }
  }
  if (conflict) lifetime = 0;  // duplicated or invalid freshness information: stale (§4.2.1)
  if (!lifetime && heuristically_cacheable(status)) {
    const auto modified = parse_http_date(response[http::field::last_modified]);
    if (modified && *modified < date) {
      lifetime = std::min((date - *modified) / 10, kHeuristicMax);
      out.heuristic = true;
    } else if (bounds.ttl_default_s > 0) {
      lifetime = bounds.ttl_default_s;
      out.defaulted = true;
    }
  }
  if (!lifetime && cc.public_ && bounds.ttl_default_s > 0) {  // public: storable whatever the status
    lifetime = bounds.ttl_default_s;
    out.defaulted = true;
  }
  if (!lifetime && !cc.no_cache) return out;  // kNoFreshness
  out.verdict = OriginVerdict::kStorable;
  out.lifetime_s = std::clamp<std::int64_t>(cc.no_cache ? 0 : lifetime.value_or(0), 0, bounds.ttl_cap_s);
  out.must_revalidate = cc.must_revalidate || cc.proxy_revalidate || cc.s_maxage.has_value() || cc.no_cache;
  if (!out.must_revalidate) {
    out.stale_while_revalidate_s = std::min(bounded(cc.stale_while_revalidate.value_or(0)), bounds.ttl_cap_s);
    out.stale_if_error_s = std::min(bounded(cc.stale_if_error.value_or(0)), bounds.ttl_cap_s);
  }
  return out;
}

CacheControl stored_cache_control(const Entry& entry, const config::Route& route) {
  CacheControl cc;
  for (const auto& name : route.targeted_fields) {
    bool found = false;
    for (const auto& [field, value] : entry.headers) {
      if (!common::iequals(field, name) || common::trim_ows(value).empty()) continue;
      parse_cache_control(value, cc);
      found = true;
    }
    if (found) return cc;
  }
  for (const auto& [field, value] : entry.headers) {
    if (common::iequals(field, "Cache-Control")) parse_cache_control(value, cc);
  }
  return cc;
}

StaleWindows stale_windows(const Entry& entry, const config::Route& route) {
  StaleWindows out{route.stale_while_revalidate.count(), route.stale_if_error.count()};
  if (!route.origin_ttl) return out;
  const CacheControl cc = stored_cache_control(entry, route);
  if (forbids_stale(cc)) return {};
  const std::int64_t cap_ms = std::chrono::duration_cast<std::chrono::milliseconds>(route.ttl_cap).count();
  const auto own_ms = [&](const std::optional<unsigned long long>& s) {
    return std::min(bounded(s.value_or(0)) * 1000, cap_ms);
  };
  out.while_revalidate_ms = std::max(out.while_revalidate_ms, own_ms(cc.stale_while_revalidate));
  out.if_error_ms = std::max(out.if_error_ms, own_ms(cc.stale_if_error));
  return out;
}

bool within_stale_while_revalidate(const Freshness& f, const Entry& entry, const config::Route& route) {
  return within_stale_while_revalidate(f, std::chrono::milliseconds(stale_windows(entry, route).while_revalidate_ms));
}

bool within_stale_if_error(const Freshness& f, const Entry& entry, const config::Route& route) {
  return within_stale_if_error(f, std::chrono::milliseconds(stale_windows(entry, route).if_error_ms));
}

}  // namespace foilcache::cache
