#include "upstream_stub/library_model.hpp"
#include "common/hex.hpp"
#include "upstream_stub/render_util.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <limits>

namespace foilcache::stub {
namespace {

using render::kAdjectives;
using render::kNouns;
using render::kVersionStep;
using render::lower;
using render::mix;
using render::upper;


constexpr std::int64_t kMaxPerPage = 100;  // MAX_PER_PAGE in library_paged_api
constexpr std::int64_t kDefaultPerPage = 50;
constexpr std::uint64_t kSizeStepPerGeneration = 4096;
constexpr std::uint64_t kTitleDbSalt = 0x717DB000;
constexpr std::uint64_t kTitleDbRenameEvery = 8;  // a TitleDB update renames 1 in 8 titles
constexpr std::uint64_t kMissingOnDiskEvery = 64;
constexpr int kMetacriticFloor = 60;

constexpr std::array kSuffixes = {"", "", " 2", " 3", " Deluxe", ": Definitive Edition"};
constexpr std::array kPublishers = {"Nintendo",         "Capcom",  "Sega",   "Square Enix",
                                    "Bandai Namco",     "Ubisoft", "Konami", "Annapurna",
                                    "Devolver Digital", "Team17"};
constexpr std::array kCategories = {"Action", "Adventure", "RPG",      "Platformer", "Puzzle",
                                    "Racing", "Sports",    "Strategy", "Simulation", "Party"};

std::string hex(std::uint64_t value, int digits) { return common::hex_upper(value, digits); }

std::uint64_t parse_hex(std::string_view text) {
  std::uint64_t v = 0;
  for (char c : text) {
    v = v * 16 +
        static_cast<std::uint64_t>(std::isdigit(static_cast<unsigned char>(c))
                                       ? c - '0'
                                       : std::toupper(static_cast<unsigned char>(c)) - 'A' + 10);
  }
  return v;
}

std::string two(int v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
}

Title make_title(std::uint64_t seed, std::uint64_t generation, std::size_t i,
                 std::size_t base_titles) {
  const std::uint64_t h = mix(seed, i);
  const std::uint64_t h2 = mix(seed, i, 0x5EED);
  Title t;
  t.index = i;
  // An odd multiplier permutes 16-bit indices, so ids are unique yet look scattered.
  const std::uint64_t scrambled = ((i + 1) * 0x9E37u) & 0xFFFF;
  t.title_id = "0100" + hex(scrambled, 4) + hex(h & 0xFFFFF, 5) + "000";
  t.name = std::string(kAdjectives[(h >> 20) % kAdjectives.size()]) + " " +
           kNouns[(h >> 24) % kNouns.size()] + kSuffixes[(h >> 28) % kSuffixes.size()];
  t.publisher = kPublishers[(h >> 32) % kPublishers.size()];
  t.description = "Synthetic title #" + std::to_string(i) + " of the foilcache upstream stub.";
  t.categories.push_back(kCategories[(h >> 36) % kCategories.size()]);
  const std::string second = kCategories[(h >> 40) % kCategories.size()];
  if (((h >> 44) & 1) != 0 && second != t.categories.front()) t.categories.push_back(second);
  if ((h2 & 7) == 0) t.tags.push_back("Favorites");
  if ((h2 & 0x38) == 0) t.tags.push_back("Multiplayer");
  t.release_date = std::to_string(2017 + static_cast<int>((h2 >> 8) % 9)) + "-" +
                   two(1 + static_cast<int>((h2 >> 12) % 12)) + "-" +
                   two(1 + static_cast<int>((h2 >> 16) % 28));
  if (i < base_titles) {
    t.added_at =
        "2024-" + two(1 + static_cast<int>((h2 >> 20) % 12)) + "-" +
        two(1 + static_cast<int>((h2 >> 24) % 28)) + "T" + two(static_cast<int>((h2 >> 28) % 24)) +
        ":" + two(static_cast<int>((h2 >> 33) % 60)) + ":" + two(static_cast<int>((h2 >> 39) % 60));
  } else {
    // Titles a scan added: newer than every base title, ordered by generation.
    const std::size_t k = i - base_titles;
    t.added_at = "2025-" + two(1 + static_cast<int>((k / 28) % 12)) + "-" +
                 two(1 + static_cast<int>(k % 28)) + "T12:00:00";
  }
  t.nsuid = std::to_string(70010000000000ull + (h2 >> 44));
  t.icon_url = "https://img-eshop.cdn.nintendo.net/i/" + lower(hex(mix(seed, i, 1), 16)) + ".jpg";
  t.banner_url = "https://img-eshop.cdn.nintendo.net/i/" + lower(hex(mix(seed, i, 2), 16)) + ".jpg";
  t.has_base = ((h >> 48) & 0xF) != 0;
  // Every scan may publish updates: latest grows for two thirds of the titles.
  const int bump = static_cast<int>((generation * ((h >> 52) % 3)) / 3);
  const int latest_units = static_cast<int>((h >> 54) % 4) + bump;
  t.latest_version = latest_units * kVersionStep;
  t.owned_version = std::min(latest_units, static_cast<int>((h >> 56) % 4)) * kVersionStep;
  t.dlc_total = static_cast<int>((h >> 58) % 4);
  t.dlc_owned = std::min(t.dlc_total, static_cast<int>((h >> 60) % 3));
  t.update_files = t.owned_version > 0 ? 1 + static_cast<int>((h2 >> 50) % 3) : 0;
  t.size = (std::uint64_t{256} << 20) + (h2 % (std::uint64_t{32} << 30)) +
           generation * kSizeStepPerGeneration;
  return t;
}
}  // namespace

std::optional<std::string_view> query_first(const QueryParams& query, std::string_view name) {
  for (const auto& [k, v] : query) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::int64_t> python_int(std::string_view text) {
  auto is_space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  // Magnitude in uint64 with saturation; underscores only between two digits.
  constexpr std::uint64_t kLimit = std::uint64_t{std::numeric_limits<std::int64_t>::max()} + 1;
  std::uint64_t value = 0;
  bool prev_digit = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '_') {
      if (!prev_digit || i + 1 == text.size()) return std::nullopt;
      prev_digit = false;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    prev_digit = true;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    value = value > (kLimit - digit) / 10 ? kLimit : value * 10 + digit;
  }
  if (negative) {
    return value >= kLimit ? std::numeric_limits<std::int64_t>::min()
                           : -static_cast<std::int64_t>(value);
  }
  return value >= kLimit ? std::numeric_limits<std::int64_t>::max()
                         : static_cast<std::int64_t>(value);
}

bool flag_true(std::optional<std::string_view> value) {
  if (!value) return false;
  const std::string v = lower(*value);
  return v == "1" || v == "true" || v == "yes" || v == "on";
}

PagedParams parse_paged_params(const QueryParams& query) {
  PagedParams p;
  auto int_param = [&](std::string_view name, std::int64_t fallback) {
    const auto raw = query_first(query, name);
    if (!raw) return fallback;
    return python_int(*raw).value_or(fallback);
  };
  p.page = std::max<std::int64_t>(1, int_param("page", 1));
  p.per_page = std::clamp<std::int64_t>(int_param("per_page", kDefaultPerPage), 1, kMaxPerPage);
  std::string_view sort_by = query_first(query, "sort_by").value_or("");
  if (sort_by.empty()) sort_by = query_first(query, "sort").value_or("name");
  p.sort_by =
      (sort_by == "name" || sort_by == "added_at" || sort_by == "release_date" || sort_by == "size")
          ? std::string(sort_by)
          : "name";
  const std::string_view order = query_first(query, "order").value_or("asc");
  p.order = (order == "asc" || order == "desc") ? std::string(order) : "asc";
  p.dlc = flag_true(query_first(query, "dlc"));
  p.redundant = flag_true(query_first(query, "redundant"));
  return p;
}

std::string Title::update_id() const { return title_id.substr(0, 13) + "800"; }

std::string Title::dlc_id(int k) const {
  return hex(parse_hex(title_id) + 0x1000 + static_cast<std::uint64_t>(k), 16);
}

Library::Library(std::uint64_t seed, std::uint64_t generation, std::size_t base_titles,
                 const LibraryEdits& edits)
    : seed_(seed), generation_(generation) {
  const std::size_t count = base_titles + static_cast<std::size_t>(generation);
  titles_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    titles_.push_back(make_title(seed, generation, i, base_titles));
  }
  apply(edits);
  build_files(edits);
  auto build = [this](std::vector<const Title*>& out, auto less) {
    for (const Title& t : titles_) out.push_back(&t);
    std::sort(out.begin(), out.end(), [&](const Title* a, const Title* b) {
      if (less(*a, *b)) return true;
      if (less(*b, *a)) return false;
      return a->title_id < b->title_id;
    });
  };
  build(by_name_, [](const Title& a, const Title& b) { return a.name < b.name; });
  build(by_added_, [](const Title& a, const Title& b) { return a.added_at < b.added_at; });
  build(by_release_,
        [](const Title& a, const Title& b) { return a.release_date < b.release_date; });
  build(by_size_, [](const Title& a, const Title& b) { return a.size < b.size; });
  hash_ = common::hex_upper(mix(seed, generation, edits.revision), 16) +
          common::hex_upper(mix(seed, ~generation, edits.revision), 16);
  hash_ = lower(hash_);
}

void Library::apply(const LibraryEdits& edits) {
  for (Title& t : titles_) {
    if (edits.titledb_revision > 0 &&
        mix(seed_, t.index, kTitleDbSalt + edits.titledb_revision) % kTitleDbRenameEvery == 0) {
      // A newer TitleDB knows this title under another name.
      const std::uint64_t h = mix(seed_, t.index, edits.titledb_revision);
      t.name = std::string(kAdjectives[h % kAdjectives.size()]) + " " +
               kNouns[(h >> 8) % kNouns.size()] + " Remastered";
    }
    if (auto it = edits.metadata_fetches.find(t.title_id);
        it != edits.metadata_fetches.end() && it->second > 0) {
      const auto n = static_cast<std::uint64_t>(it->second);
      t.metacritic_score = kMetacriticFloor + static_cast<int>(mix(seed_, t.index, n) % 40);
      t.screenshots = {"https://media.rawg.io/media/screenshots/" + lower(t.title_id) + "-" +
                       std::to_string(n) + ".jpg"};
    }
    if (auto it = edits.rawg_ids.find(t.title_id); it != edits.rawg_ids.end()) {
      const auto id = static_cast<std::uint64_t>(it->second);
      t.metacritic_score = kMetacriticFloor + static_cast<int>(mix(id, 0x4A3) % 40);
      t.screenshots = {"https://media.rawg.io/media/games/" + std::to_string(id) + "/1.jpg"};
    }
    if (auto it = edits.custom.find(t.title_id); it != edits.custom.end()) {
      const CustomInfo& c = it->second;
      if (c.name) t.name = *c.name;
      if (c.description) t.description = *c.description;
      if (c.publisher) t.publisher = *c.publisher;
      if (c.icon_url) t.icon_url = *c.icon_url;
      if (c.banner_url) t.banner_url = *c.banner_url;
      if (c.nsuid) t.nsuid = *c.nsuid;
      if (c.release_date) t.release_date = *c.release_date;
      if (c.categories) t.categories = *c.categories;
    }
  }
}

void Library::build_files(const LibraryEdits& edits) {
  // Ids are handed out before deleted files are dropped, so no id changes meaning.
  std::uint64_t next_id = 1;
  for (Title& t : titles_) {
    std::vector<ShopFile> own;
    if (t.has_base) own.push_back({next_id++, t.index, t.title_id, 0, ""});
    if (t.owned_version > 0) {
      own.push_back({next_id++, t.index, t.update_id(), t.owned_version, ""});
    }
    for (int k = 0; k < t.dlc_owned; ++k) {
      own.push_back({next_id++, t.index, t.dlc_id(k), 0, "DLC " + std::to_string(k + 1)});
    }
    const std::uint64_t share = own.empty() ? 0 : t.size / own.size();
    for (ShopFile& f : own) {
      if (edits.deleted_files.count(FileKey{f.app_id, f.version}) != 0) {
        t.size -= share;
      } else {
        files_.push_back(std::move(f));
      }
    }
  }
}

const ShopFile* Library::find_file(std::uint64_t id) const {
  const auto it = std::lower_bound(files_.begin(), files_.end(), id,
                                   [](const ShopFile& f, std::uint64_t v) { return f.id < v; });
  return it != files_.end() && it->id == id ? &*it : nullptr;
}

bool Library::missing_on_disk(const ShopFile& file) const {
  return mix(seed_, render::fnv1a(file.app_id), static_cast<std::uint64_t>(file.version)) %
             kMissingOnDiskEvery ==
         0;
}

const Title* Library::find(std::string_view title_id) const {
  const std::string wanted = upper(title_id);
  for (const Title& t : titles_) {
    if (t.title_id == wanted) return &t;
  }
  return nullptr;
}

const std::vector<const Title*>& Library::sorted(std::string_view sort_by) const {
  if (sort_by == "added_at") return by_added_;
  if (sort_by == "release_date") return by_release_;
  if (sort_by == "size") return by_size_;
  return by_name_;
}

bool user_ignores_dlcs(std::string_view user, const Title& title) {
  return !user.empty() && mix(render::fnv1a(user), title.index, 0xD1C) % 3 == 0;
}

bool user_ignores_updates(std::string_view user, const Title& title) {
  return !user.empty() && mix(render::fnv1a(user), title.index, 0x0BD) % 4 == 0;
}

IgnoreRecord synthetic_ignore_record(std::string_view user, const Title& title) {
  IgnoreRecord record;
  if (user_ignores_dlcs(user, title)) {
    for (int k = 0; k < title.dlc_total; ++k) record.dlcs[title.dlc_id(k)] = true;
  }
  if (user_ignores_updates(user, title)) {
    for (int v = kVersionStep; v <= std::max(title.latest_version, title.owned_version);
         v += kVersionStep) {
      record.updates[std::to_string(v)] = true;
    }
  }
  return record;
}

const IgnoreRecord* UserIgnores::find(std::string_view title_id) const {
  if (!records) return nullptr;
  const auto it = records->find(title_id);
  return it == records->end() ? nullptr : &it->second;
}

namespace {

bool flagged(const std::map<std::string, bool>& flags, const std::string& item) {
  const auto it = flags.find(item);
  return it != flags.end() && it->second;
}

}  // namespace

bool has_non_ignored_dlcs(const Title& t, const UserIgnores& ignores) {
  if (!t.has_base || t.has_all_dlcs()) return false;
  const IgnoreRecord* record = ignores.find(t.title_id);
  if (record == nullptr) return !user_ignores_dlcs(ignores.user, t);
  for (int k = t.dlc_owned; k < t.dlc_total; ++k) {
    if (!flagged(record->dlcs, t.dlc_id(k))) return true;
  }
  return false;
}

bool has_non_ignored_updates(const Title& t, const UserIgnores& ignores) {
  if (!t.has_base || t.has_latest()) return false;
  const IgnoreRecord* record = ignores.find(t.title_id);
  if (record == nullptr) return !user_ignores_updates(ignores.user, t);
  for (int v = t.owned_version + kVersionStep; v <= t.latest_version; v += kVersionStep) {
    if (!flagged(record->updates, std::to_string(v))) return true;
  }
  return false;
}

bool has_non_ignored_redundant(const Title& t, const UserIgnores& ignores) {
  if (!t.has_redundant_updates()) return false;
  const IgnoreRecord* record = ignores.find(t.title_id);
  if (record == nullptr) return !user_ignores_updates(ignores.user, t);
  return !flagged(record->updates, std::to_string(t.owned_version));
}

std::vector<std::int64_t> title_tag_ids(const Title& t) {
  std::vector<std::int64_t> ids;
  for (const std::string& tag : t.tags) {
    if (tag == "Favorites") ids.push_back(1);
    if (tag == "Multiplayer") ids.push_back(2);
  }
  return ids;
}

std::string format_size(std::uint64_t bytes) {
  static constexpr std::array kUnits = {"B", "KB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < kUnits.size()) {
    value /= 1024.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %s", value, kUnits[unit]);
  return buf;
}

}  // namespace foilcache::stub
