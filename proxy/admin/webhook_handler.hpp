// POST /api/cache/webhook (INTERFACE.md "Webhook"): the updater's signed events, mapped to
// tags and invalidated for every replica before the answer. Its body is read here, bounded
// (kWebhookBodyLimit), and the signature checked before anything else is parsed.
#pragma once

#include <string>

#include "common/clock.hpp"
#include "proxy/admin/admin_json.hpp"
#include "proxy/http/handler.hpp"
#include "proxy/store/invalidator.hpp"

namespace foilcache::metrics {
class Metrics;
}  // namespace foilcache::metrics

namespace foilcache::admin {

// A webhook body is a small JSON event; anything larger is refused (413) unread.
inline constexpr std::size_t kWebhookBodyLimit = 64 * 1024;

class WebhookHandler final : public http_server::Handler {
 public:
  WebhookHandler(store::Invalidator& invalidator, const common::Clock& clock, metrics::Metrics* metrics)
      : invalidator_(invalidator), clock_(clock), metrics_(metrics) {}

  // Answers: 405 (not POST), 413, 408/400 (body), 403 (no secret configured), 401 (signature
  // missing, wrong or outside the replay window), 400 (not a JSON object with an "event"
  // string), 503 (the store could not invalidate), else 200 {"event","invalidated_tags"}.
  net::awaitable<http_server::Outcome> handle(http_server::Exchange& ex, const http_server::Decision& d) override;

 private:
  // The answer to a body read whole; keep-alive is set by the caller.
  net::awaitable<Response> answer(const http_server::Exchange& ex, const http::request<http::string_body>& request);

  store::Invalidator& invalidator_;
  const common::Clock& clock_;
  metrics::Metrics* metrics_;
};

}  // namespace foilcache::admin
