#include "proxy/admin/admin_api.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <optional>

#include "proxy/admin/admin_call.hpp"
#include "proxy/config/route_table.hpp"

namespace foilcache::admin {

bool token_matches(std::string_view authorization, std::string_view expected) {
  constexpr std::string_view kBearer = "Bearer ";
  if (expected.empty() || authorization.size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), authorization.begin())) {
    return false;
  }
  const auto token = authorization.substr(kBearer.size());
  unsigned char a[SHA256_DIGEST_LENGTH];
  unsigned char b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(expected.data()), expected.size(), b);
  return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

net::awaitable<http_server::Outcome> AdminApi::handle(http_server::Exchange& ex, const http_server::Decision&) {
  const auto& request = ex.parser.get();
  const bool has_body = ex.parser.chunked() || ex.parser.content_length().value_or(0) > 0;
  const bool keep_alive = request.keep_alive() && !has_body && !ex.draining();
  auto response = co_await answer(ex);
  response.keep_alive(keep_alive);
  http_server::Outcome outcome{keep_alive, response.result_int(), "", response.body().size(), {}, {}};
  ex.client.expires_after(ex.config().timeouts.write);
  co_await http::async_write(ex.client, response, kNoThrow);
  co_return outcome;
}

net::awaitable<Response> AdminApi::answer(const http_server::Exchange& ex) {
  const auto& request = ex.parser.get();
  const auto& config = ex.config();
  const unsigned version = request.version();
  if (config.admin.token.empty()) {
    co_return json_error(version, http::status::forbidden, "admin API disabled: no admin.token configured");
  }
  if (!token_matches(request[http::field::authorization], config.admin.token)) {
    Response res = json_error(version, http::status::unauthorized, "missing or wrong bearer token");
    res.set(http::field::www_authenticate, "Bearer");
    co_return res;
  }
  using Op = AdminCall::Op;
  AdminCall call = parse_admin_call(request.method(), request.target());
  switch (call.op) {
    case Op::kInfo:
      co_return co_await info(ex);
    case Op::kClear:
      co_return co_await remove(version, "*", "deleted");
    case Op::kResetStats:
      stats_.reset();
      if (counters_ && co_await counters_->reset() != store::StoreStatus::kOk) {
        co_return json_error(version, http::status::service_unavailable, "store unavailable: shared stats not reset");
      }
      co_return json_response(version, http::status::ok, "{\"reset\":true}");
    case Op::kInvalidatePattern:
      if (call.argument.empty()) co_return json_error(version, http::status::bad_request, "pattern is required");
      co_return co_await remove(version, std::move(call.argument), "invalidated");
    case Op::kInvalidateTag:
      co_return co_await invalidate_tag(ex, call.argument);
    case Op::kKeyGet:
      co_return co_await key_metadata(ex, call.argument);
    case Op::kKeyDelete: {
      const auto status = co_await invalidator_.key(std::move(call.argument));
      if (status == store::StoreStatus::kUnavailable) {
        co_return json_error(version, http::status::service_unavailable, "store unavailable");
      }
      if (status == store::StoreStatus::kNotFound) co_return json_error(version, http::status::not_found, "no such entry");
      co_return json_response(version, http::status::ok, count_json("deleted", 1));
    }
    case Op::kInternalKey:
      co_return json_error(version, http::status::bad_request,
                           "keys starting with '@' are foilcache's own (generations, stats, locks), not entries");
    case Op::kMethodNotAllowed:
      co_return json_error(version, http::status::method_not_allowed, "method not allowed");
    case Op::kUnknown:
      break;
  }
  co_return json_error(version, http::status::not_found, "unknown admin path");
}

net::awaitable<Response> AdminApi::info(const http_server::Exchange& ex) {
  const auto keys = co_await store_.count();
  // Cluster-wide with shared counters: the flushed totals of every instance plus what this
  // one has not flushed yet. Process-local in memory mode, or when Redis cannot be read.
  std::optional<store::Counters> shared;
  if (counters_) shared = co_await counters_->read();
  metrics::Stats::Values values = shared ? stats_.unflushed() : stats_.totals();
  if (shared) {
    for (auto& [name, value] : values) {
      for (const auto& [shared_name, shared_value] : *shared) {
        if (shared_name == name) value += shared_value;
      }
    }
  }
  const auto& config = ex.config();
  co_return json_response(ex.parser.get().version(), http::status::ok,
                          info_json(store_.health().mode, keys, values, shared.has_value(), config.redis.masked_url()));
}

net::awaitable<Response> AdminApi::key_metadata(const http_server::Exchange& ex, const std::string& key) {
  const unsigned version = ex.parser.get().version();
  std::string lookup_key = key;
  const auto found = co_await store_.get(std::move(lookup_key), {});
  if (found.status == store::StoreStatus::kUnavailable) {
    co_return json_error(version, http::status::service_unavailable, "store unavailable");
  }
  if (found.status != store::StoreStatus::kOk || !found.entry) {
    co_return json_error(version, http::status::not_found, "no such entry");
  }
  const auto& entry = *found.entry;
  std::vector<std::string> tags;  // as recorded: scoped tags rendered ("library:3f9a…")
  for (const auto& [tag, generation] : entry.tags) tags.push_back(tag);
  const auto f = cache::freshness(entry, clock_.system_now());
  co_return json_response(version, http::status::ok, key_json(key, entry, f, tags));
}

net::awaitable<Response> AdminApi::remove(unsigned version, std::string glob, const char* field) {
  const auto removed = co_await invalidator_.matching(std::move(glob));
  if (removed.status != store::StoreStatus::kOk) {
    co_return json_error(version, http::status::service_unavailable,
                         "store unavailable after removing " + std::to_string(removed.count) + " entries");
  }
  co_return json_response(version, http::status::ok, count_json(field, removed.count));
}

net::awaitable<Response> AdminApi::invalidate_tag(const http_server::Exchange& ex, const std::string& tag) {
  const unsigned version = ex.parser.get().version();
  const std::string* configured = config::configured_tag(ex.config(), tag);
  if (configured == nullptr) co_return json_error(version, http::status::not_found, "no route has this tag");
  const std::vector<std::string> tags{tag};
  const std::span<const std::string> labels(configured, 1);
  if (!co_await invalidator_.tags(tags, labels)) {
    co_return json_error(version, http::status::service_unavailable, "store unavailable: nothing invalidated");
  }
  co_return json_response(version, http::status::ok, tags_json(nullptr, tags));
}

}  // namespace foilcache::admin
