// Per-user writable state of the stand-in app: the WishlistIgnore records the ignore toggles
// write (POST /api/library/ignore/{tid}, POST /api/wishlist/ignore/{tid}) and each user's
// wishlist (routes/wishlist.py). Starts empty: until a user toggles something, the synthetic
// ignores of library_model.hpp apply. The rules are the app's; the store is in memory.
// Every member function is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upstream_stub/library_model.hpp"

namespace foilcache::stub {

// A Wishlist row.
struct WishlistItem {
  std::int64_t id = 0;
  std::optional<std::string> title_id, name, release_date, icon_url, banner_url, description,
      genres, screenshots;
  std::chrono::system_clock::time_point added_date;
};

// The fields POST /api/wishlist reads (null or absent: nullopt).
struct WishlistInput {
  std::optional<std::string> title_id, name, release_date, icon_url, banner_url, description,
      genres, screenshots;
};

// add_to_wishlist's outcomes.
enum class WishlistAdd {
  kAdded,        // 200 "Jogo adicionado à wishlist"
  kMissingName,  // 400 INVALID_PARAMS: neither name nor title_id
  kDuplicate,    // 400 CONFLICT: same title_id (or, without one, same name) already listed
  kOwned,        // 400 CONFLICT: the title's base game is in the library
};

// Which map of a record a toggle writes.
enum class IgnoreType { kDlc, kUpdate };

class UserState {
 public:
  // What `user` ignores now (a snapshot: later toggles do not change it).
  UserIgnores ignores(std::string_view user) const;
  // `user`'s record for `title_id` (upper case): theirs if a toggle wrote one, else the
  // synthetic row of `title` (nullptr: an empty record).
  IgnoreRecord ignore_record(std::string_view user, std::string_view title_id,
                             const Title* title) const;
  // Sets one flag of `user`'s record for `title_id` (upper case), creating the record from
  // the synthetic row of `title` (nullptr: empty) first. `item_id` is stored upper case.
  void set_ignore(std::string_view user, std::string_view title_id, const Title* title,
                  IgnoreType type, std::string_view item_id, bool ignored);

  // add_to_wishlist: duplicate and ownership checks, then metadata from the library (the
  // app's TitleDB) for a title_id without name or release date.
  WishlistAdd add_wishlist(std::string_view user, WishlistInput input, const Library& library,
                           std::chrono::system_clock::time_point now);
  // get_wishlist: `user`'s items whose title is not owned, newest first. Like the app's GET
  // it first heals missing metadata from the library and stores the result.
  std::vector<WishlistItem> wishlist(std::string_view user, const Library& library);
  // remove_from_wishlist: by id (all digits) of `user`'s items, else by title_id. The id
  // removed, or nullopt when `user` has no such item.
  std::optional<std::int64_t> remove_wishlist(std::string_view user, std::string_view identifier);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const IgnoreRecords>, std::less<>> ignores_;
  std::map<std::string, std::vector<WishlistItem>, std::less<>> wishlists_;
  std::int64_t next_wishlist_id_ = 1;
};

// GET /api/wishlist's body: success envelope with a list of {"added_date","bannerUrl",
// "description","genres","iconUrl","id","name","owned","release_date","screenshots",
// "title_id"}.
std::string render_wishlist(const std::vector<WishlistItem>& items);
// GET /api/library/ignore/{tid}: {"dlcs": {...}, "updates": {...}} (with_updates false:
// the wishlist variant, {"dlcs": {...}} only).
std::string render_ignore_record(const IgnoreRecord& record, bool with_updates);

}  // namespace foilcache::stub
