#include "upstream_stub/user_state.hpp"

#include <algorithm>
#include <charconv>

#include "upstream_stub/py_json.hpp"
#include "upstream_stub/render_util.hpp"

namespace foilcache::stub {
namespace {

using render::finish;
using render::key;
using render::kv;
using render::kv_opt;
using render::Writer;

// Python truthiness of an optional string column: None and "" are false.
bool truthy(const std::optional<std::string>& s) { return s && !s->empty(); }

// The title whose id is exactly `title_id` (the app's queries compare ids as stored).
const Title* exact(const Library& library, const std::optional<std::string>& title_id) {
  if (!title_id) return nullptr;
  const Title* t = library.find(*title_id);
  return t != nullptr && t->title_id == *title_id ? t : nullptr;
}

bool owned(const Library& library, const std::optional<std::string>& title_id) {
  const Title* t = exact(library, title_id);
  return t != nullptr && t->has_base;
}

std::string joined(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ",") + v;
  return out;
}

// add_to_wishlist's metadata lookup (titles.get_game_info) for a title_id item.
void fill_from_title(WishlistInput& in, const Title& t) {
  if (!truthy(in.name)) in.name = t.name;
  if (!truthy(in.release_date)) in.release_date = t.release_date;
  if (!truthy(in.icon_url)) in.icon_url = t.icon_url;
  if (!truthy(in.banner_url)) in.banner_url = t.banner_url;
  if (!truthy(in.description)) in.description = t.description;
  if (!truthy(in.genres)) in.genres = joined(t.categories);
}

// get_wishlist's self-healing of one item.
void heal(WishlistItem& item, const Library& library) {
  if (!truthy(item.title_id) ||
      (truthy(item.release_date) && truthy(item.icon_url) && truthy(item.banner_url))) {
    return;
  }
  const Title* t = library.find(*item.title_id);
  if (t == nullptr) return;
  if (!truthy(item.release_date)) item.release_date = t->release_date;
  if (!truthy(item.icon_url)) item.icon_url = t->icon_url;
  if (!truthy(item.banner_url)) item.banner_url = t->banner_url;
  if (!truthy(item.name) || item.name->starts_with("Unknown")) item.name = t->name;
}

}  // namespace

UserIgnores UserState::ignores(std::string_view user) const {
  std::lock_guard lock(mutex_);
  const auto it = ignores_.find(user);
  return UserIgnores{std::string(user), it == ignores_.end() ? nullptr : it->second};
}

IgnoreRecord UserState::ignore_record(std::string_view user, std::string_view title_id,
                                      const Title* title) const {
  const UserIgnores snapshot = ignores(user);
  if (const IgnoreRecord* r = snapshot.find(title_id)) return *r;
  return title != nullptr ? synthetic_ignore_record(user, *title) : IgnoreRecord{};
}

void UserState::set_ignore(std::string_view user, std::string_view title_id, const Title* title,
                           IgnoreType type, std::string_view item_id, bool ignored) {
  std::lock_guard lock(mutex_);
  auto& slot = ignores_[std::string(user)];
  // Copy on write: snapshots handed out earlier stay as they were.
  auto records = slot ? std::make_shared<IgnoreRecords>(*slot) : std::make_shared<IgnoreRecords>();
  auto it = records->find(title_id);
  if (it == records->end()) {
    it = records
             ->emplace(std::string(title_id),
                       title != nullptr ? synthetic_ignore_record(user, *title) : IgnoreRecord{})
             .first;
  }
  auto& flags = type == IgnoreType::kDlc ? it->second.dlcs : it->second.updates;
  flags[render::upper(item_id)] = ignored;
  slot = std::move(records);
}

WishlistAdd UserState::add_wishlist(std::string_view user, WishlistInput in, const Library& library,
                                    std::chrono::system_clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto& items = wishlists_[std::string(user)];
  if (!truthy(in.name) && !truthy(in.title_id)) return WishlistAdd::kMissingName;
  if (truthy(in.title_id)) {
    if (std::any_of(items.begin(), items.end(),
                    [&](const WishlistItem& i) { return i.title_id == in.title_id; })) {
      return WishlistAdd::kDuplicate;
    }
    if (owned(library, in.title_id)) return WishlistAdd::kOwned;
    if (!truthy(in.name) || !truthy(in.release_date)) {
      if (const Title* t = library.find(*in.title_id)) fill_from_title(in, *t);
    }
  } else if (std::any_of(items.begin(), items.end(),
                         [&](const WishlistItem& i) { return i.name == in.name; })) {
    return WishlistAdd::kDuplicate;
  }
  WishlistItem item{next_wishlist_id_++, in.title_id,    in.name,   in.release_date, in.icon_url,
                    in.banner_url,       in.description, in.genres, in.screenshots,  now};
  items.push_back(std::move(item));
  return WishlistAdd::kAdded;
}

std::vector<WishlistItem> UserState::wishlist(std::string_view user, const Library& library) {
  std::lock_guard lock(mutex_);
  std::vector<WishlistItem> out;
  const auto it = wishlists_.find(user);
  if (it == wishlists_.end()) return out;
  for (WishlistItem& item : it->second) {
    if (owned(library, item.title_id)) continue;
    heal(item, library);
    out.push_back(item);
  }
  // order_by(added_date.desc()); the id breaks ties between items of the same instant.
  std::sort(out.begin(), out.end(), [](const WishlistItem& a, const WishlistItem& b) {
    return a.added_date != b.added_date ? a.added_date > b.added_date : a.id > b.id;
  });
  return out;
}

std::optional<std::int64_t> UserState::remove_wishlist(std::string_view user,
                                                       std::string_view identifier) {
  std::lock_guard lock(mutex_);
  const auto it = wishlists_.find(user);
  if (it == wishlists_.end()) return std::nullopt;
  auto& items = it->second;
  auto match = items.end();
  std::int64_t id = 0;
  const auto [end, ec] =
      std::from_chars(identifier.data(), identifier.data() + identifier.size(), id);
  // identifier.isdigit(): an id when it is all digits (one too large matches no row).
  if (!identifier.empty() && identifier.front() != '-' && ec == std::errc{} &&
      end == identifier.data() + identifier.size()) {
    match =
        std::find_if(items.begin(), items.end(), [&](const WishlistItem& i) { return i.id == id; });
  }
  if (match == items.end()) {
    match = std::find_if(items.begin(), items.end(),
                         [&](const WishlistItem& i) { return i.title_id == identifier; });
  }
  if (match == items.end()) return std::nullopt;
  const std::int64_t removed = match->id;
  items.erase(match);
  return removed;
}

std::string render_wishlist(const std::vector<WishlistItem>& items) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  kv(w, "code", "SUCCESS");
  key(w, "data");
  w.StartArray();
  for (const WishlistItem& i : items) {
    w.StartObject();
    kv(w, "added_date", py::isoformat(i.added_date, false));
    kv_opt(w, "bannerUrl", i.banner_url);
    kv_opt(w, "description", i.description);
    kv_opt(w, "genres", i.genres);
    kv(w, "iconUrl", truthy(i.icon_url) ? *i.icon_url : std::string("/static/img/no-icon.png"));
    kv(w, "id", i.id);
    kv(w, "name", truthy(i.name) ? *i.name : "Unknown (" + i.title_id.value_or("None") + ")");
    kv(w, "owned", false);
    kv_opt(w, "release_date", i.release_date);
    kv_opt(w, "screenshots", i.screenshots);
    kv_opt(w, "title_id", i.title_id);
    w.EndObject();
  }
  w.EndArray();
  kv(w, "success", true);
  w.EndObject();
  return finish(sb);
}

std::string render_ignore_record(const IgnoreRecord& record, bool with_updates) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  auto flags = [&](std::string_view name, const std::map<std::string, bool>& m) {
    key(w, name);
    w.StartObject();
    for (const auto& [k, v] : m) kv(w, k, v);  // std::map: sorted, as jsonify sorts
    w.EndObject();
  };
  w.StartObject();
  kv(w, "code", "SUCCESS");
  key(w, "data");
  w.StartObject();
  flags("dlcs", record.dlcs);
  if (with_updates) flags("updates", record.updates);
  w.EndObject();
  kv(w, "success", true);
  w.EndObject();
  return finish(sb);
}

}  // namespace foilcache::stub
