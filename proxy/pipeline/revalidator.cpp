#include "proxy/pipeline/revalidator.hpp"

#include "proxy/cache/conditional.hpp"
#include "proxy/cache/entry_builder.hpp"
#include "proxy/cache/storage_plan.hpp"
#include "proxy/cache/vary.hpp"
#include "proxy/http/forwarding.hpp"
#include "proxy/metrics/metrics.hpp"

namespace foilcache::pipeline {

void Revalidator::start(Request& req, const std::string& key, std::span<const std::string> tags,
                        const std::vector<std::uint64_t>& generations, cache::EntryPtr stale) {
  auto& flights = coalescer_.flights();
  auto joined = flights.join(key);
  if (!joined.leader) return;  // a refresh or a miss of this key is already in flight here
  auto job = std::make_unique<Job>(Job{req.ex.snapshot, req.route, req.series,
                                       http::request<http::empty_body>{req.header()}, key, {tags.begin(), tags.end()},
                                       generations, FlightGuard(flights, std::move(joined.flight)),
                                       std::move(stale)});
  job->request.keep_alive(true);
  // The refresh is the entry's, not the client's: its own conditionals and Range stay out.
  for (const auto field : {http::field::if_none_match, http::field::if_modified_since, http::field::if_match,
                           http::field::if_unmodified_since, http::field::if_range, http::field::range}) {
    job->request.erase(field);
  }
  if (req.route->origin_ttl) cache::add_validators(job->request, *job->stale);
  net::co_spawn(req.ex.client.get_executor(), run(std::move(job)), net::detached);
}

net::awaitable<void> Revalidator::run(std::unique_ptr<Job> job) {
  std::string token;
  if (coalescer_.shared()) {
    auto lock = co_await coalescer_.try_lock_once(job->key, job->snapshot->config->timeouts.upstream_response);
    if (!lock) co_return;  // another instance refreshes it
    token = std::move(*lock);
  }
  co_await refresh(*job, std::move(token));
}

net::awaitable<cache::EntryPtr> Revalidator::fetch(Job& job) {
  const auto& config = *job.snapshot->config;
  const auto& route = *job.route;
  upstream::SendOptions options;
  options.retryable = false;
  options.timeouts = &config.timeouts;
  upstream::Answer answer;
  const auto sent_at = clock_.system_now();
  co_await client_.send(answer, job.request, nullptr, options);
  const std::size_t limit = route.max_entry_bytes ? route.max_entry_bytes : config.limits.max_entry_bytes;
  error_code ec = answer.ec;
  std::string body;
  const bool not_modified = answer.failure == upstream::Failure::kNone && answer.parser->get().result_int() == 304;
  if (answer.failure == upstream::Failure::kNone && !not_modified) {
    const auto declared = answer.parser->content_length();
    if (declared && *declared > limit) {
      ec = http::error::body_limit;
    } else {
      answer.parser->body_limit(limit);
      ec = co_await client_.read_body(answer, body, config.timeouts.upstream_response);
    }
  }
  const bool sent = answer.failure == upstream::Failure::kNone || answer.failure == upstream::Failure::kResponse;
  if (sent && job.series) {
    metrics::Metrics::observe_upstream(*job.series, std::chrono::steady_clock::now() - answer.started);
  }
  if (ec) {
    // A refresh counts every failure as a reset (it has no client to answer).
    if (metrics_) metrics_->count_error(metrics::ErrorKind::kUpstreamReset);
    co_return nullptr;
  }
  auto& response = answer.parser->get();
  http_util::strip_hop_by_hop(response);
  cache::EntryPtr entry;
  const auto now = clock_.system_now();
  if (not_modified && route.origin_ttl) {
    // RFC 9111 §4.3.4: the stored answer, its fields updated, fresh again.
    const http::response_header<> updated = cache::updated_header(*job.stale, response);
    const auto storage = cache::plan_storage(route, job.request, updated, job.stale->identity_size, limit, sent_at, now);
    if (storage.storable() && storage.variant == cache::stored_variant(*job.stale, route, job.request)) {
      entry = cache::freshened_entry(*job.stale, updated, storage, job.generations, now);
      job.keep = storage.keep;
    }
  } else if (!not_modified) {
    const cache::StoragePlan storage =
        cache::plan_storage(route, job.request, response, body.size(), limit, sent_at, now);
    // Stored under the stale entry's key: only an answer that selects the same variant.
    if (storage.storable() && storage.variant == cache::stored_variant(*job.stale, route, job.request)) {
      entry = cache::build_entry(route, job.tags, job.generations, response, std::move(body), now, &storage);
      job.keep = storage.keep;
    }
  }
  client_.release(answer);
  co_return entry;
}

net::awaitable<void> Revalidator::refresh(Job& job, std::string token) {
  cache::EntryPtr entry = co_await fetch(job);
  job.guard.finish(entry);
  if (entry) co_await tiers_.put(job.key, entry, job.keep, job.route->l1, clock_.system_now());
  if (!token.empty()) co_await coalescer_.unlock(job.key, token, entry == nullptr);
}

}  // namespace foilcache::pipeline
