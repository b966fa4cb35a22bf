// Per-user state without a server: the ignore records over the synthetic rows, and the
// wishlist's rules (routes/wishlist.py).
#include "upstream_stub/user_state.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace foilcache::stub {
namespace {

constexpr std::size_t kTitles = 300;

// A title `user` does not ignore with a missing DLC and no pending update, so ignoring its
// missing DLCs makes it fully ignored.
const Title* dlc_only_title(const Library& library, std::string_view user) {
  const UserIgnores none{std::string(user), nullptr};
  for (const Title& t : library.titles()) {
    if (has_non_ignored_dlcs(t, none) && t.has_latest()) return &t;
  }
  return nullptr;
}

// A wishlist request naming only its title id, or only its name.
WishlistInput titled(const std::string& title_id) {
  WishlistInput in;
  in.title_id = title_id;
  return in;
}
WishlistInput named(const std::string& name) {
  WishlistInput in;
  in.name = name;
  return in;
}

TEST(UserStateTest, WithoutTogglesTheSyntheticRowsApply) {
  const Library library(42, 0, kTitles);
  const UserState users;
  for (const Title& t : library.titles()) {
    const UserIgnores alice = users.ignores("alice");
    EXPECT_EQ(has_non_ignored_dlcs(t, alice),
              t.has_base && !t.has_all_dlcs() && !user_ignores_dlcs("alice", t));
    EXPECT_EQ(has_non_ignored_updates(t, alice),
              t.has_base && !t.has_latest() && !user_ignores_updates("alice", t));
    EXPECT_EQ(has_non_ignored_redundant(t, alice),
              t.has_redundant_updates() && !user_ignores_updates("alice", t));
  }
}

TEST(UserStateTest, MaterialisedSyntheticRecordChangesNothing) {
  const Library library(42, 0, kTitles);
  for (const Title& t : library.titles()) {
    auto records = std::make_shared<IgnoreRecords>();
    (*records)[t.title_id] = synthetic_ignore_record("bob", t);
    const UserIgnores with_record{"bob", records};
    const UserIgnores without{"bob", nullptr};
    EXPECT_EQ(has_non_ignored_dlcs(t, with_record), has_non_ignored_dlcs(t, without)) << t.title_id;
    EXPECT_EQ(has_non_ignored_updates(t, with_record), has_non_ignored_updates(t, without));
    EXPECT_EQ(has_non_ignored_redundant(t, with_record), has_non_ignored_redundant(t, without));
  }
}

TEST(UserStateTest, DlcToggleChangesOnlyThatUsersFlag) {
  const Library library(42, 0, kTitles);
  const Title* t = dlc_only_title(library, "alice");
  ASSERT_NE(t, nullptr);
  UserState users;
  const UserIgnores before = users.ignores("alice");
  const bool bob_before = has_non_ignored_dlcs(*t, users.ignores("bob"));
  for (int k = t->dlc_owned; k < t->dlc_total; ++k) {
    users.set_ignore("alice", t->title_id, t, IgnoreType::kDlc, t->dlc_id(k), true);
  }
  EXPECT_FALSE(has_non_ignored_dlcs(*t, users.ignores("alice")));
  EXPECT_TRUE(has_non_ignored_dlcs(*t, before)) << "an earlier snapshot stays as it was";
  EXPECT_EQ(has_non_ignored_dlcs(*t, users.ignores("bob")), bob_before);
  // Un-ignoring one DLC brings the flag back.
  users.set_ignore("alice", t->title_id, t, IgnoreType::kDlc, t->dlc_id(t->dlc_owned), false);
  EXPECT_TRUE(has_non_ignored_dlcs(*t, users.ignores("alice")));
}

TEST(UserStateTest, UpdateToggleIsPerVersion) {
  const Library library(42, 0, kTitles);
  const UserIgnores none{"alice", nullptr};
  const Title* t = nullptr;
  for (const Title& c : library.titles()) {
    if (has_non_ignored_updates(c, none) && c.latest_version - c.owned_version >= 2 * 65536) t = &c;
  }
  ASSERT_NE(t, nullptr);
  UserState users;
  users.set_ignore("alice", t->title_id, t, IgnoreType::kUpdate,
                   std::to_string(t->latest_version), true);
  EXPECT_TRUE(has_non_ignored_updates(*t, users.ignores("alice"))) << "an older version is missing";
  for (int v = t->owned_version + 65536; v <= t->latest_version; v += 65536) {
    users.set_ignore("alice", t->title_id, t, IgnoreType::kUpdate, std::to_string(v), true);
  }
  EXPECT_FALSE(has_non_ignored_updates(*t, users.ignores("alice")));
  const IgnoreRecord r = users.ignore_record("alice", t->title_id, t);
  EXPECT_TRUE(r.updates.at(std::to_string(t->latest_version)));
}

TEST(UserStateTest, WishlistRules) {
  const Library library(42, 0, kTitles);
  const Title* owned = nullptr;
  const Title* missing = nullptr;
  for (const Title& t : library.titles()) {
    if (t.has_base && owned == nullptr) owned = &t;
    if (!t.has_base && missing == nullptr) missing = &t;
  }
  ASSERT_NE(owned, nullptr);
  ASSERT_NE(missing, nullptr);
  UserState users;
  const auto t0 = std::chrono::system_clock::now();
  EXPECT_EQ(users.add_wishlist("alice", {}, library, t0), WishlistAdd::kMissingName);
  EXPECT_EQ(users.add_wishlist("alice", titled(owned->title_id), library, t0),
            WishlistAdd::kOwned);
  EXPECT_EQ(users.add_wishlist("alice", titled(missing->title_id), library, t0),
            WishlistAdd::kAdded);
  EXPECT_EQ(users.add_wishlist("alice", titled(missing->title_id), library, t0),
            WishlistAdd::kDuplicate);
  EXPECT_EQ(users.add_wishlist("alice", named("Homebrew"), library, t0 + std::chrono::seconds(1)),
            WishlistAdd::kAdded);
  EXPECT_EQ(users.add_wishlist("alice", named("Homebrew"), library, t0), WishlistAdd::kDuplicate);
  const auto list = users.wishlist("alice", library);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "Homebrew") << "newest first";
  EXPECT_EQ(list[1].name, missing->name) << "metadata from the library";
  EXPECT_EQ(list[1].release_date, missing->release_date);
  EXPECT_TRUE(users.wishlist("bob", library).empty());
  EXPECT_FALSE(users.remove_wishlist("bob", std::to_string(list[0].id)));
  EXPECT_EQ(users.remove_wishlist("alice", std::to_string(list[0].id)), list[0].id);
  EXPECT_EQ(users.remove_wishlist("alice", missing->title_id), list[1].id) << "by title_id";
  EXPECT_TRUE(users.wishlist("alice", library).empty());
}

TEST(UserStateTest, IgnoreRecordBodyIsSorted) {
  IgnoreRecord r;
  r.dlcs["0100B"] = true;
  r.dlcs["0100A"] = false;
  r.updates["65536"] = true;
  EXPECT_EQ(render_ignore_record(r, true),
            "{\"code\":\"SUCCESS\",\"data\":{\"dlcs\":{\"0100A\":false,\"0100B\":true},"
            "\"updates\":{\"65536\":true}},\"success\":true}\n");
  EXPECT_EQ(render_ignore_record(r, false),
            "{\"code\":\"SUCCESS\",\"data\":{\"dlcs\":{\"0100A\":false,\"0100B\":true}},"
            "\"success\":true}\n");
}

}  // namespace
}  // namespace foilcache::stub
