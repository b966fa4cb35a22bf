#include "proxy/admin/admin_call.hpp"

#include "proxy/config/percent_decode.hpp"

namespace foilcache::admin {
namespace {

constexpr std::string_view kInfo = "/api/cache/info";
constexpr std::string_view kClear = "/api/cache/clear";
constexpr std::string_view kResetStats = "/api/cache/reset-stats";
constexpr std::string_view kInvalidate = "/api/cache/invalidate";
constexpr std::string_view kInvalidateTag = "/api/cache/invalidate/";
constexpr std::string_view kKeys = "/api/cache/keys/";

// foilcache's own keys are <prefix>@...; no rendered entry key starts with '@'. A pattern
// that starts with one names them on purpose; any other glob ("*", "?gen:*") is kept off
// them by the stores' scans (RedisStore skips '@' keys; the memory store holds none).
bool names_internal(std::string_view text) {
  return text.starts_with('@') || text.starts_with("\\@");
}

}  // namespace

std::optional<std::string> query_param(std::string_view target, std::string_view name) {
  const auto question = target.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (config::decodes_to(pair.substr(0, eq), name, true)) {
      return eq == std::string_view::npos ? std::string() : config::decoded(pair.substr(eq + 1), true);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

AdminCall parse_admin_call(http::verb method, std::string_view target) {
  using Op = AdminCall::Op;
  const std::string_view path = target.substr(0, target.find('?'));
  const bool post = method == http::verb::post;
  if (path == kInfo && method == http::verb::get) return {Op::kInfo, {}};
  if (path == kClear && post) return {Op::kClear, {}};
  if (path == kResetStats && post) return {Op::kResetStats, {}};
  if (path == kInvalidate && post) {
    std::string pattern = query_param(target, "pattern").value_or("");
    if (names_internal(pattern)) return {Op::kInternalKey, std::move(pattern)};
    return {Op::kInvalidatePattern, std::move(pattern)};
  }
  if (path.starts_with(kInvalidateTag) && post) {
    return {Op::kInvalidateTag, config::decoded(path.substr(kInvalidateTag.size()), false)};
  }
  if (path.starts_with(kKeys) && path.size() > kKeys.size()) {
    std::string key = config::decoded(path.substr(kKeys.size()), false);
    if ((method == http::verb::get || method == http::verb::delete_) && names_internal(key)) {
      return {Op::kInternalKey, std::move(key)};
    }
    if (method == http::verb::get) return {Op::kKeyGet, std::move(key)};
    if (method == http::verb::delete_) return {Op::kKeyDelete, std::move(key)};
  }
  const bool known = path == kInfo || path == kClear || path == kResetStats || path == kInvalidate ||
                     path.starts_with(kKeys) || path.starts_with(kInvalidateTag);
  return {known ? Op::kMethodNotAllowed : Op::kUnknown, {}};
}

}  // namespace foilcache::admin
