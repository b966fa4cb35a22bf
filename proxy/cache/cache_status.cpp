#include "proxy/cache/cache_status.hpp"

#include <charconv>

namespace foilcache::cache {

void append_int(std::string& out, std::int64_t value) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, end);
}

std::string hit_status(const Freshness& f, std::string_view detail) {
  std::string status;
  status.reserve(48 + detail.size());  // one allocation
  status.append("foilcache; hit; ttl=");
  append_int(status, f.ttl_left_s());
  if (!detail.empty()) status.append("; detail=").append(detail);
  return status;
}

std::string collapsed_status(const Freshness& f, std::string_view fwd, unsigned fwd_status) {
  std::string status;
  status.reserve(80);
  status.append("foilcache; fwd=").append(fwd).append("; fwd-status=");
  append_int(status, fwd_status);
  status.append("; collapsed; ttl=");
  append_int(status, f.ttl_left_s());
  status.append("; detail=coalesced");
  return status;
}

std::string stale_if_error_status(const Freshness& f, unsigned fwd_status) {
  std::string status = "foilcache; fwd=stale";
  if (fwd_status != 0) status += "; fwd-status=" + std::to_string(fwd_status);
  status += "; ttl=" + std::to_string(f.ttl_left_s()) + "; detail=stale-if-error";
  return status;
}

void append_forward_status(std::string& status, unsigned fwd_status, bool stored) {
  status += "; fwd-status=" + std::to_string(fwd_status);
  if (stored) status += "; stored";
}

void append_cache_control(std::string& out, const config::Route& route) {
  out.append(route.key.uses_user() ? "private, max-age=" : "public, max-age=");
  append_int(out, std::chrono::duration_cast<std::chrono::seconds>(route.ttl).count());
}

std::string cache_control_value(const config::Route& route) {
  std::string value;
  append_cache_control(value, route);
  return value;
}

}  // namespace foilcache::cache
