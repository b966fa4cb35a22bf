#include "proxy/admin/webhook_handler.hpp"

#include "common/text.hpp"
#include "common/webhook_signature.hpp"
#include "proxy/admin/webhook_event.hpp"
#include "proxy/config/event_rules.hpp"
#include "proxy/http/read_header.hpp"
#include "proxy/http/responses.hpp"
#include "proxy/metrics/metrics.hpp"

namespace foilcache::admin {
namespace {

// A refusal before or while reading the body: the connection is closed after it.
Response refusal(unsigned version, http::status status, std::string_view message) {
  Response res{status, version};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = http_server::json_error_body(message) + "\n";
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

}  // namespace

net::awaitable<http_server::Outcome> WebhookHandler::handle(http_server::Exchange& ex, const http_server::Decision&) {
  const auto& config = ex.config();
  const auto& header = ex.parser.get();
  const unsigned version = header.version();
  const auto count = [&](metrics::ErrorKind kind) {
    if (metrics_) metrics_->count_error(kind);
  };
  Response response;
  bool keep_alive = false;
  if (header.method() != http::verb::post) {
    response = refusal(version, http::status::method_not_allowed, "method not allowed");
    response.set(http::field::allow, "POST");
  } else if (ex.parser.content_length().value_or(0) > kWebhookBodyLimit) {
    count(metrics::ErrorKind::kBodyTooLarge);
    response = refusal(version, http::status::payload_too_large, "webhook body too large");
  } else if (common::iequals(header[http::field::expect], "100-continue") &&
             co_await http_server::write_continue(ex.client, config.timeouts.write)) {
    response = refusal(version, http::status::bad_request, "client went away");
  } else {
    http::request_parser<http::string_body> body_parser{std::move(ex.parser)};
    body_parser.body_limit(kWebhookBodyLimit);
    ex.client.expires_after(config.timeouts.read_body);
    auto [ec, n] = co_await http::async_read(ex.client, ex.buffer, body_parser, kNoThrow);
    if (ec) {
      const bool timeout = ec == beast::error::timeout;
      count(timeout ? metrics::ErrorKind::kClientTimeout
            : ec == http::error::body_limit ? metrics::ErrorKind::kBodyTooLarge
            : ec == http::error::header_limit ? metrics::ErrorKind::kHeaderTooLarge
                                              : metrics::ErrorKind::kBadRequest);
      const auto status = timeout ? http::status::request_timeout : http_server::status_for_parse_error(ec);
      response = refusal(version, status, "webhook body: " + ec.message());
    } else {
      const auto& request = body_parser.get();
      response = co_await answer(ex, request);
      keep_alive = request.keep_alive() && !ex.draining();
      response.keep_alive(keep_alive);
    }
  }
  http_server::Outcome outcome{keep_alive, response.result_int(), "", response.body().size(), {}, {}};
  ex.client.expires_after(config.timeouts.write);
  co_await http::async_write(ex.client, response, kNoThrow);
  co_return outcome;
}

net::awaitable<Response> WebhookHandler::answer(const http_server::Exchange& ex,
                                                const http::request<http::string_body>& request) {
  const auto& config = ex.config();
  const unsigned version = request.version();
  if (config.webhooks.secret.empty()) {
    co_return json_error(version, http::status::forbidden, "webhook disabled: no webhooks.secret configured");
  }
  const auto now = common::to_unix_s(clock_.system_now());
  const auto check = common::verify_webhook(config.webhooks.secret, request["X-Foilcache-Timestamp"],
                                            request["X-Foilcache-Signature"], request.body(), now);
  if (check != common::WebhookCheck::kOk) {
    if (metrics_) metrics_->count_error(metrics::ErrorKind::kWebhookRejected);
    co_return json_error(version, http::status::unauthorized,
                         std::string("webhook rejected: ") + common::to_string(check));
  }
  const WebhookEvent parsed = parse_webhook_event(request.body());
  if (parsed.error != nullptr) co_return json_error(version, http::status::bad_request, parsed.error);
  const std::string& event = parsed.event;
  // The body is the event's payload: `when:` conditions read its top-level fields.
  const auto matched = config::tags_for_event(config.events, event, parsed.payload_field());
  const std::vector<std::string> tags =
      matched.match == config::EventMatch::kMapped ? *matched.tags : std::vector<std::string>{};
  if (!co_await invalidator_.tags(tags)) {
    // The updater retries: a 200 would promise an invalidation that did not happen.
    co_return json_error(version, http::status::service_unavailable, "store unavailable: nothing invalidated");
  }
  co_return json_response(version, http::status::ok, tags_json(&event, tags));
}

}  // namespace foilcache::admin
