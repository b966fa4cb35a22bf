// Stale-while-revalidate (RFC 5861 §3): a stale entry answers at once while one background
// refresh of its key runs, here (a flight) and, with a shared store, on one instance (the
// store's lock).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "proxy/pipeline/coalescer.hpp"
#include "proxy/pipeline/forward_plan.hpp"
#include "proxy/store/tiered_store.hpp"
#include "proxy/upstream/client.hpp"

namespace foilcache::pipeline {

class Revalidator {
 public:
  // Every reference outlives the revalidator and its background work; `metrics` may be null.
  Revalidator(upstream::Client& client, store::TieredStore& tiers, Coalescer& coalescer, const common::Clock& clock,
              metrics::Metrics* metrics)
      : client_(client), tiers_(tiers), coalescer_(coalescer), clock_(clock), metrics_(metrics) {}

  // Starts one background refresh of `key`'s `stale` entry for `req` (its prepared header is
  // copied; the entry records `tags` at `generations`) unless one is running here or on
  // another instance. On an origin route it asks with `stale`'s validators and freshens
  // it on a 304 (RFC 9111 §4.3). Returns at once.
  void start(Request& req, const std::string& key, std::span<const std::string> tags,
             const std::vector<std::uint64_t>& generations, cache::EntryPtr stale);

 private:
  // Everything a refresh owns: it outlives the request that started it.
  struct Job {
    std::shared_ptr<const http_server::Snapshot> snapshot;  // keeps `route` alive
    const config::Route* route;
    const metrics::RouteSeries* series;
    http::request<http::empty_body> request;
    std::string key;
    std::vector<std::string> tags;
    std::vector<std::uint64_t> generations;
    FlightGuard guard;
    cache::EntryPtr stale;
    std::chrono::milliseconds keep{0};  // how long the fetched entry is kept (plan_storage)
  };
  net::awaitable<void> run(std::unique_ptr<Job> job);
  // Fetches and stores; ends the flight with the entry (or null) and releases `token`.
  net::awaitable<void> refresh(Job& job, std::string token);
  net::awaitable<cache::EntryPtr> fetch(Job& job);

  upstream::Client& client_;
  store::TieredStore& tiers_;
  Coalescer& coalescer_;
  const common::Clock& clock_;
  metrics::Metrics* metrics_;
};

}  // namespace foilcache::pipeline
