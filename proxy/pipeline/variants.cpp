#include "proxy/pipeline/variants.hpp"

#include <algorithm>

#include "common/clock.hpp"
#include "common/hex.hpp"
#include "proxy/cache/freshness.hpp"

namespace foilcache::pipeline {
namespace {

constexpr std::size_t kNonceDigits = 8;

}  // namespace

net::awaitable<void> select_variant(store::TieredStore& tiers, Request& req, ForwardPlan& plan,
                                    std::string& key, store::Lookup& lookup, std::chrono::system_clock::time_point now) {
  auto index = req.route->origin_ttl ? cache::read_variant_index(*lookup.entry) : std::nullopt;
  const cache::EntryPtr index_entry = std::move(lookup.entry);
  lookup.entry = nullptr;
  lookup.status = store::StoreStatus::kNotFound;
  if (lookup.tier == store::Lookup::Tier::kL1) {
    // An L1 entry is current (invalidations remove it): its recorded generations are the tags'.
    lookup.tier = store::Lookup::Tier::kStore;
    lookup.generations.clear();
    for (const auto& [tag, generation] : index_entry->tags) lookup.generations.push_back(generation);
  }
  if (!index) co_return;  // a foreign or damaged index, or a route that no longer varies: a miss
  const std::string id = cache::variant_id(index->fields, req.header());
  plan.url_key = std::move(key);
  key = cache::variant_key(plan.url_key, index->nonce, id);
  const auto left = cache::freshness(*index_entry, now).left_ms();
  plan.variants_left = std::chrono::milliseconds(std::max<std::int64_t>(0, left));
  const bool listed = index->lists(id);
  plan.variants = std::move(index);
  if (listed) lookup = co_await tiers.lookup(key, plan.tags, req.route->l1, now);
}

bool answers(const cache::Entry& entry, Request& req, const ForwardPlan& plan) {
  if (cache::is_variant_index(entry)) return false;
  if (!store::fetched_since(entry, plan.tags, plan.generations)) return false;
  if (!req.route || !req.route->origin_ttl) return true;
  const auto fields = cache::selecting_fields(entry, *req.route);
  if (!fields) return false;
  if (fields->empty()) return true;
  if (!entry.variant.empty()) return entry.variant == cache::variant_id(*fields, req.header());
  // Read from the store under this request's variant key, filed under these fields.
  return plan.variants && plan.variants->fields == *fields;
}

Storing storing(const Request& req, const ForwardPlan& plan) {
  Storing out;
  out.key = plan.url_key.empty() ? plan.key : plan.url_key;
  out.seen = plan.variants;
  out.seen_left = plan.variants_left;
  out.storage = plan.storage;
  out.route = req.route->name;
  out.use_l1 = req.route->l1;
  out.tags.assign(plan.tags.begin(), plan.tags.end());
  out.generations = plan.generations;
  return out;
}

net::awaitable<void> store(store::TieredStore& tiers, Storing storing, cache::EntryPtr entry,
                           std::chrono::system_clock::time_point now) {
  const auto& storage = storing.storage;
  if (storage.vary_fields.empty()) {
    co_await tiers.put(std::move(storing.key), std::move(entry), storage.keep, storing.use_l1, now);
    co_return;
  }
  if (!storing.seen) {
    auto current = co_await tiers.lookup(storing.key, storing.tags, storing.use_l1, now);
    if (current.entry) {
      storing.seen = cache::read_variant_index(*current.entry);
      storing.seen_left = std::chrono::milliseconds(std::max<std::int64_t>(0, cache::freshness(*current.entry, now).left_ms()));
    }
  }
  cache::VariantIndex index;
  const bool same = storing.seen && storing.seen->fields == storage.vary_fields;
  if (same) {
    index = std::move(*storing.seen);
  } else {
    index.fields = storage.vary_fields;
    index.nonce = common::random_hex(kNonceDigits);
  }
  co_await tiers.put(cache::variant_key(storing.key, index.nonce, storage.variant), std::move(entry), storage.keep,
                     storing.use_l1, now);
  const bool added = index.add(storage.variant);
  if (!added && same && storing.seen_left >= storage.keep) co_return;  // listed, and kept as long as what it lists
  const auto keep = same ? std::max(storage.keep, storing.seen_left) : storage.keep;
  co_await tiers.put(std::move(storing.key),
                     cache::make_variant_index(index, storing.route, storing.tags, storing.generations, now, keep), keep,
                     storing.use_l1, now);
}

}  // namespace foilcache::pipeline
