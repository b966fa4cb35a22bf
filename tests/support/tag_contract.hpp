// The tag-generation contract of EntryStore::get / put / invalidate_tag, checked against any
// Store (memory and Redis run the same assertions).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "proxy/store/store.hpp"
#include "tests/support/asio_run.hpp"

namespace foilcache::store::test_contract {

inline EntryPtr tagged_entry(std::string body, const std::vector<std::string>& tags,
                             const std::vector<std::uint64_t>& generations) {
  auto entry = std::make_shared<Entry>();
  entry->body = std::move(body);
  entry->ttl_s = 60;
  entry->route = "library_paged";
  for (std::size_t i = 0; i < tags.size(); ++i) entry->tags.emplace_back(tags[i], generations[i]);
  return entry;
}

inline void check_tag_generations(net::io_context& ioc, EntryStore& store) {
  using namespace std::chrono_literals;
  const std::vector<std::string> library{"library"};
  const std::vector<std::string> both{"library", "titledb"};
  const std::vector<std::string> titledb{"titledb"};
  auto get = [&](const std::string& key, const std::vector<std::string>& tags) {
    auto result = test::run_awaitable(ioc, store.get(key, tags));
    if (!result) ADD_FAILURE() << "get did not complete";
    return result.value_or(GetResult{StoreStatus::kUnavailable, nullptr, {}});
  };
  auto put = [&](const std::string& key, EntryPtr entry) {
    EXPECT_EQ(test::run_awaitable(ioc, store.put(key, std::move(entry), 1min)), StoreStatus::kOk) << key;
  };
  auto invalidate = [&](const std::string& tag) {
    EXPECT_EQ(test::run_awaitable(ioc, store.invalidate_tag(tag, nullptr)), StoreStatus::kOk) << tag;
  };

  // A miss reports the current generations (0 before any invalidation), in order.
  GetResult miss = get("page:1", both);
  ASSERT_EQ(miss.status, StoreStatus::kNotFound);
  ASSERT_EQ(miss.generations, (std::vector<std::uint64_t>{0, 0}));
  put("page:1", tagged_entry("p1", both, miss.generations));
  put("page:2", tagged_entry("p2", both, miss.generations));
  put("info", tagged_entry("info", titledb, {0}));
  put("untagged", tagged_entry("u", {}, {}));
  EXPECT_EQ(get("page:1", both).status, StoreStatus::kOk);

  // Other tags than the entry recorded (a reloaded config): not found.
  EXPECT_EQ(get("page:1", library).status, StoreStatus::kNotFound);
  // An admin lookup (no tags) checks the entry against its own tags.
  EXPECT_EQ(get("page:1", {}).status, StoreStatus::kOk);

  invalidate("library");
  GetResult after = get("page:1", both);
  EXPECT_EQ(after.status, StoreStatus::kNotFound) << "an invalidated entry was still served";
  EXPECT_EQ(after.generations, (std::vector<std::uint64_t>{1, 0}));
  EXPECT_EQ(get("page:2", both).status, StoreStatus::kNotFound);
  EXPECT_EQ(get("page:1", {}).status, StoreStatus::kNotFound);
  // Entries without the tag are untouched.
  EXPECT_EQ(get("info", titledb).status, StoreStatus::kOk);
  EXPECT_EQ(get("untagged", {}).status, StoreStatus::kOk);

  // A response fetched after the invalidation is stored with the new generations and found.
  put("page:1", tagged_entry("p1-new", both, after.generations));
  GetResult fresh = get("page:1", both);
  ASSERT_EQ(fresh.status, StoreStatus::kOk);
  EXPECT_EQ(fresh.entry->body, "p1-new");

  // A response fetched before an invalidation but stored after it (an in-flight miss)
  // is never found: it records the older generation.
  GetResult before = get("page:3", both);
  invalidate("titledb");
  put("page:3", tagged_entry("fetched before", both, before.generations));
  EXPECT_EQ(get("page:3", both).status, StoreStatus::kNotFound);
  EXPECT_EQ(get("info", titledb).status, StoreStatus::kNotFound);

  // Invalidating again (a repeated webhook) keeps everything invalid; nothing comes back.
  invalidate("library");
  EXPECT_EQ(get("page:1", both).status, StoreStatus::kNotFound);
  EXPECT_EQ(get("page:1", both).generations, (std::vector<std::uint64_t>{2, 1}));
}

}  // namespace foilcache::store::test_contract
