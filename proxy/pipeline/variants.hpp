// The pipeline's side of Vary on `ttl: origin` routes (cache/vary.hpp): reading a URL's
// variant index at lookup, telling whether an entry answers a request, and where an answer
// is stored (its variant key, and the index beside it).
#pragma once

#include <chrono>
#include <string>
#include <optional>
#include <vector>

#include "proxy/pipeline/forward_plan.hpp"
#include "proxy/store/tiered_store.hpp"

namespace foilcache::pipeline {

// When `lookup` found a variant index under `key`: on an origin route, `key` becomes the
// variant the request selects, `lookup` that variant's lookup (a second one only when the
// index lists it) and `plan` records the index; on any other route the index is a miss.
net::awaitable<void> select_variant(store::TieredStore& tiers, Request& req, ForwardPlan& plan,
                                    std::string& key, store::Lookup& lookup, std::chrono::system_clock::time_point now);

// True when `entry`, fetched for another request of the same key (a coalesced fetch), may
// answer `req`: never an index, never an entry fetched before an invalidation this request
// saw at its lookup (plan.generations: a flight outlives its answer by the unlock, so a
// request that arrives after a write may find the flight of a read made before it); on an
// origin route, the entry's variant must be the one `req` selects.
bool answers(const cache::Entry& entry, Request& req, const ForwardPlan& plan);

// What storing an answer needs, owned: a streamed answer is stored after its request is gone.
struct Storing {
  std::string key;                           // plan.key, or the URL's when the lookup read an index
  std::optional<cache::VariantIndex> seen;   // the index the lookup read
  std::chrono::milliseconds seen_left{0};    // and how long it had left
  cache::StoragePlan storage;                // its vary_fields and variant say where the answer goes
  std::string route;                         // the route's name, recorded in an index
  bool use_l1 = false;
  std::vector<std::string> tags;
  std::vector<std::uint64_t> generations;
};
Storing storing(const Request& req, const ForwardPlan& plan);

// Stores `entry`: under its key, or, for an answer with Vary, under its variant key, then
// the URL's index when that changes (a variant added, other fields, kept longer). An index
// the lookup did not see is read first, so that answers stored one after another add to one
// index instead of replacing it. Variants first: a reader that finds an index finds what it
// lists.
net::awaitable<void> store(store::TieredStore& tiers, Storing storing, cache::EntryPtr entry,
                           std::chrono::system_clock::time_point now);

}  // namespace foilcache::pipeline
