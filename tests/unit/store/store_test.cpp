// The validity rules of an entry's recorded tag generations: what a lookup accepts from the
// store, and what a coalesced request accepts from another's fetch.
#include "proxy/store/store.hpp"

#include <gtest/gtest.h>

namespace foilcache::store {
namespace {

Entry recorded(std::vector<std::pair<std::string, std::uint64_t>> tags) {
  Entry entry;
  entry.tags = std::move(tags);
  return entry;
}

const std::vector<std::string> kTags{"library", "system"};

TEST(StoreTagsCurrent, NeedsEveryTagAtItsGeneration) {
  const auto entry = recorded({{"library", 3}, {"system", 5}});
  EXPECT_TRUE(tags_current(entry, kTags, std::vector<std::uint64_t>{3, 5}));
  EXPECT_FALSE(tags_current(entry, kTags, std::vector<std::uint64_t>{4, 5})) << "library invalidated since";
  EXPECT_FALSE(tags_current(entry, std::vector<std::string>{"library"}, std::vector<std::uint64_t>{3}))
      << "other tags: a reloaded route";
}

TEST(StoreFetchedSince, RefusesAnEntryFetchedBeforeAnInvalidationTheLookupSaw) {
  const auto entry = recorded({{"library", 3}, {"system", 5}});
  EXPECT_TRUE(fetched_since(entry, kTags, std::vector<std::uint64_t>{3, 5}));
  EXPECT_TRUE(fetched_since(entry, kTags, std::vector<std::uint64_t>{2, 5})) << "fetched after the lookup's view";
  EXPECT_FALSE(fetched_since(entry, kTags, std::vector<std::uint64_t>{4, 5}))
      << "a write invalidated library after the fetch began: its answer is the old one";
  EXPECT_FALSE(fetched_since(recorded({{"library", 3}}), kTags, std::vector<std::uint64_t>{3, 5}))
      << "a tag the entry does not record cannot be vouched for";
  EXPECT_TRUE(fetched_since(entry, kTags, std::vector<std::uint64_t>{})) << "no generations known (store down)";
  EXPECT_TRUE(fetched_since(entry, std::vector<std::string>{}, std::vector<std::uint64_t>{})) << "an untagged route";
}

}  // namespace
}  // namespace foilcache::store
