#include "upstream_stub/library_model.hpp"
#include "common/hex.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <limits>

namespace foilcache::stub {
namespace {

// ASCII output escapes non-ASCII as \uXXXX, as Python's json.dumps does by default.
using Writer = rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::ASCII<>>;

constexpr std::int64_t kMaxPerPage = 100;  // MAX_PER_PAGE in library_paged_api
constexpr std::int64_t kDefaultPerPage = 50;
constexpr int kVersionStep = 65536;  // Switch update versions are multiples of this
constexpr std::uint64_t kSizeStepPerGeneration = 4096;
constexpr std::size_t kRecentCount = 8;  // stats/overview "recent"
constexpr std::size_t kUpcomingCount = 20;

constexpr std::array kAdjectives = {"Super",  "Mega",    "Hyper",  "Tiny",  "Epic",  "Lost",
                                    "Shadow", "Crystal", "Iron",   "Neon",  "Pixel", "Cosmic",
                                    "Royal",  "Wild",    "Silent", "Golden"};
constexpr std::array kNouns = {"Kart",    "Quest",   "Legends", "Odyssey", "Party", "Racers",
                               "Tactics", "Dungeon", "Harvest", "Island",  "Saga",  "Arena",
                               "Drift",   "Knights", "Garden",  "Frontier"};
constexpr std::array kSuffixes = {"", "", " 2", " 3", " Deluxe", ": Definitive Edition"};
constexpr std::array kPublishers = {"Nintendo",         "Capcom",  "Sega",   "Square Enix",
                                    "Bandai Namco",     "Ubisoft", "Konami", "Annapurna",
                                    "Devolver Digital", "Team17"};
constexpr std::array kCategories = {"Action", "Adventure", "RPG",      "Platformer", "Puzzle",
                                    "Racing", "Sports",    "Strategy", "Simulation", "Party"};

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::uint64_t mix(std::uint64_t a, std::uint64_t b, std::uint64_t c = 0) {
  return splitmix(a ^ splitmix(b ^ splitmix(c)));
}

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    h = (h ^ c) * 0x100000001b3ull;
  }
  return h;
}

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

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool contains_ci(std::string_view haystack, std::string_view needle) {
  return lower(haystack).find(lower(needle)) != std::string::npos;
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

// ---- JSON helpers (keys are always written in sorted order, like Flask's jsonify) ----

void key(Writer& w, std::string_view k) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}
void str(Writer& w, std::string_view v) {
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}
void kv(Writer& w, std::string_view k, std::string_view v) {
  key(w, k);
  str(w, v);
}
void kv(Writer& w, std::string_view k, const char* v) {
  key(w, k);
  str(w, v);
}
void kv(Writer& w, std::string_view k, const std::string& v) {
  key(w, k);
  str(w, v);
}
void kv(Writer& w, std::string_view k, bool v) {
  key(w, k);
  w.Bool(v);
}
void kv(Writer& w, std::string_view k, int v) {
  key(w, k);
  w.Int(v);
}
void kv(Writer& w, std::string_view k, std::int64_t v) {
  key(w, k);
  w.Int64(v);
}
void kv(Writer& w, std::string_view k, std::uint64_t v) {
  key(w, k);
  w.Uint64(v);
}
void kv(Writer& w, std::string_view k, double v) {
  key(w, k);
  w.Double(v);
}
void kv_null(Writer& w, std::string_view k) {
  key(w, k);
  w.Null();
}
void str_array(Writer& w, std::string_view k, const std::vector<std::string>& values) {
  key(w, k);
  w.StartArray();
  for (const auto& v : values) str(w, v);
  w.EndArray();
}

std::string finish(rapidjson::StringBuffer& sb) {
  std::string out(sb.GetString(), sb.GetSize());
  out.push_back('\n');
  return out;
}

double round1(double v) {
  return static_cast<double>(static_cast<std::int64_t>(v * 10.0 + 0.5)) / 10.0;
}

const char* status_color(const Title& t) {
  return (t.has_base && t.has_latest() && t.has_all_dlcs()) ? "green" : "orange";
}
int status_score(const Title& t) {
  if (!t.has_base) return 0;
  return (t.has_latest() && t.has_all_dlcs()) ? 2 : 1;
}
bool non_ignored_dlcs(const Title& t, std::string_view user) {
  return t.has_base && !t.has_all_dlcs() && !user_ignores_dlcs(user, t);
}
bool non_ignored_updates(const Title& t, std::string_view user) {
  return t.has_base && !t.has_latest() && !user_ignores_updates(user, t);
}
bool non_ignored_redundant(const Title& t, std::string_view user) {
  return t.has_redundant_updates() && !user_ignores_updates(user, t);
}

void write_apps(Writer& w, const Title& t) {
  key(w, "apps");
  w.StartArray();
  auto app = [&](const std::string& id, const char* type, int version, bool owned) {
    w.StartObject();
    kv(w, "app_id", id);
    kv(w, "app_type", type);
    kv(w, "app_version", version);
    kv(w, "owned", owned);
    w.EndObject();
  };
  app(t.title_id, "BASE", 0, t.has_base);
  for (int v = kVersionStep; v <= t.latest_version; v += kVersionStep) {
    app(t.update_id(), "UPDATE", v, v <= t.owned_version);
  }
  for (int k = 0; k < t.dlc_total; ++k) app(t.dlc_id(k), "DLC", 0, k < t.dlc_owned);
  w.EndArray();
}

// One item of the library lists (library.get_game_info_item), with `user`'s flags.
void write_item(Writer& w, const Title& t, std::string_view user) {
  w.StartObject();
  kv(w, "added_at", t.added_at);
  write_apps(w, t);
  kv(w, "bannerUrl", t.banner_url);
  str_array(w, "category", t.categories);
  kv(w, "description", t.description);
  kv(w, "display_version", std::to_string(t.owned_version));
  kv(w, "has_all_dlcs", t.has_all_dlcs());
  kv(w, "has_base", t.has_base);
  kv(w, "has_latest_version", t.has_latest());
  kv(w, "has_non_ignored_dlcs", non_ignored_dlcs(t, user));
  kv(w, "has_non_ignored_redundant", non_ignored_redundant(t, user));
  kv(w, "has_non_ignored_updates", non_ignored_updates(t, user));
  kv(w, "has_redundant_updates", t.has_redundant_updates());
  kv(w, "iconUrl", t.icon_url);
  kv(w, "id", t.title_id);
  kv(w, "latest_version_available", t.latest_version);
  kv(w, "name", t.name);
  kv(w, "nsuid", t.nsuid);
  kv(w, "owned", true);
  kv(w, "owned_version", t.owned_version);
  kv(w, "publisher", t.publisher);
  kv(w, "release_date", t.release_date);
  kv(w, "size", t.size);
  kv(w, "size_formatted", format_size(t.size));
  kv(w, "status_color", status_color(t));
  kv(w, "status_score", status_score(t));
  str_array(w, "tags", t.tags);
  kv(w, "title_id", t.title_id);
  kv(w, "updates_count", t.update_files);
  w.EndObject();
}

struct PageWindow {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::int64_t total_pages = 0;
};

PageWindow window(std::size_t total, std::int64_t page, std::int64_t per_page) {
  PageWindow pw;
  const auto total64 = static_cast<std::int64_t>(total);
  pw.total_pages = (total64 + per_page - 1) / per_page;
  // page-1 may be huge: compare before multiplying so nothing overflows.
  if (page - 1 < pw.total_pages) {
    pw.begin = static_cast<std::size_t>((page - 1) * per_page);
    pw.end = std::min(total, pw.begin + static_cast<std::size_t>(per_page));
  } else {
    pw.begin = pw.end = total;
  }
  return pw;
}

void write_pagination(Writer& w, std::int64_t page, std::int64_t per_page, std::size_t total,
                      std::int64_t total_pages, const PagedParams* sort) {
  key(w, "pagination");
  w.StartObject();
  kv(w, "has_next", page < total_pages);
  kv(w, "has_prev", page > 1);
  if (sort != nullptr) kv(w, "order", sort->order);
  kv(w, "page", page);
  kv(w, "per_page", per_page);
  if (sort != nullptr) kv(w, "sort_by", sort->sort_by);
  kv(w, "total_items", static_cast<std::int64_t>(total));
  kv(w, "total_pages", total_pages);
  w.EndObject();
}

void write_items(Writer& w, const std::vector<const Title*>& list, const PageWindow& pw,
                 std::string_view user) {
  key(w, "items");
  w.StartArray();
  for (std::size_t i = pw.begin; i < pw.end; ++i) write_item(w, *list[i], user);
  w.EndArray();
}

std::string pct_userinfo(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out += hex(c, 2);
    }
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------

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

Library::Library(std::uint64_t seed, std::uint64_t generation, std::size_t base_titles)
    : generation_(generation) {
  const std::size_t count = base_titles + static_cast<std::size_t>(generation);
  titles_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    titles_.push_back(make_title(seed, generation, i, base_titles));
  }
  std::uint64_t next_id = 1;
  for (const Title& t : titles_) {
    if (t.has_base) files_.push_back({next_id++, t.index, t.title_id, 0, ""});
    if (t.owned_version > 0) {
      files_.push_back({next_id++, t.index, t.update_id(), t.owned_version, ""});
    }
    for (int k = 0; k < t.dlc_owned; ++k) {
      files_.push_back({next_id++, t.index, t.dlc_id(k), 0, "DLC " + std::to_string(k + 1)});
    }
  }
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
  return !user.empty() && mix(fnv1a(user), title.index, 0xD1C) % 3 == 0;
}

bool user_ignores_updates(std::string_view user, const Title& title) {
  return !user.empty() && mix(fnv1a(user), title.index, 0x0BD) % 4 == 0;
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

PagedBody render_library_paged(const Library& library, const PagedParams& params,
                               std::string_view user) {
  const auto& sorted = library.sorted(params.sort_by);
  std::vector<const Title*> list;
  list.reserve(sorted.size());
  const bool desc = params.order == "desc";
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const Title* t = sorted[desc ? sorted.size() - 1 - i : i];
    // The dlc/redundant path fetches owned titles and filters on the caller's flags.
    if (params.dlc || params.redundant) {
      if (!t->has_base) continue;
      if (params.dlc && !non_ignored_dlcs(*t, user)) continue;
      if (params.redundant && !non_ignored_redundant(*t, user)) continue;
    }
    list.push_back(t);
  }
  const PageWindow pw = window(list.size(), params.page, params.per_page);

  // The body repeats items and pagination at top level, as the app does for old clients.
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  kv(w, "code", "SUCCESS");
  key(w, "data");
  w.StartObject();
  write_items(w, list, pw, user);
  write_pagination(w, params.page, params.per_page, list.size(), pw.total_pages, &params);
  w.EndObject();
  write_items(w, list, pw, user);
  write_pagination(w, params.page, params.per_page, list.size(), pw.total_pages, &params);
  kv(w, "success", true);
  w.EndObject();

  PagedBody out;
  out.body = finish(sb);
  out.page = params.page;
  out.per_page = params.per_page;
  out.total_items = static_cast<std::int64_t>(list.size());
  out.total_pages = pw.total_pages;
  return out;
}

std::string render_search_paged(const Library& library, const QueryParams& query,
                                std::string_view user) {
  auto is_true = [&](std::string_view name) { return query_first(query, name) == "true"; };
  std::string q = lower(query_first(query, "q").value_or(""));
  while (!q.empty() && q.front() == ' ') q.erase(q.begin());
  while (!q.empty() && q.back() == ' ') q.pop_back();
  const std::string genre(query_first(query, "genre").value_or(""));
  const std::string tag(query_first(query, "tag").value_or(""));
  const bool owned = is_true("owned"), missing = is_true("missing"),
             up_to_date = is_true("up_to_date"), pending = is_true("pending"), dlc = is_true("dlc"),
             redundant = is_true("redundant");
  const PagedParams paging = parse_paged_params(query);

  std::vector<const Title*> list;
  for (const Title* t : library.sorted("name")) {
    if (!q.empty() && !contains_ci(t->name, q) && !contains_ci(t->publisher, q) &&
        !contains_ci(t->title_id, q)) {
      continue;
    }
    if (owned && !t->has_base) continue;
    if (up_to_date && !t->has_latest()) continue;
    if (pending && !(t->has_base && !t->has_latest())) continue;
    if (missing && t->has_base) continue;
    if (!genre.empty() && genre != "Todos os Gêneros" &&
        std::none_of(t->categories.begin(), t->categories.end(),
                     [&](const std::string& c) { return contains_ci(c, genre); })) {
      continue;
    }
    if (!tag.empty() && std::none_of(t->tags.begin(), t->tags.end(),
                                     [&](const std::string& c) { return contains_ci(c, tag); })) {
      continue;
    }
    if (dlc && !non_ignored_dlcs(*t, user)) continue;
    if (redundant && !non_ignored_redundant(*t, user)) continue;
    list.push_back(t);
  }
  const PageWindow pw = window(list.size(), paging.page, paging.per_page);

  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  kv(w, "code", "SUCCESS");
  key(w, "data");
  w.StartObject();
  write_items(w, list, pw, user);
  write_pagination(w, paging.page, paging.per_page, list.size(), pw.total_pages, nullptr);
  w.EndObject();
  kv(w, "success", true);
  w.EndObject();
  return finish(sb);
}

std::string render_stats_overview(const Library& library, std::string_view user) {
  std::uint64_t total_size = 0;
  std::int64_t bases = 0, updates = 0, dlcs = 0, up_to_date = 0, ignored = 0;
  std::vector<std::pair<std::string, std::int64_t>> genres;
  for (const Title& t : library.titles()) {
    total_size += t.size;
    bases += t.has_base ? 1 : 0;
    updates += t.update_files;
    dlcs += t.dlc_owned;
    const bool green = std::string_view(status_color(t)) == "green";
    if (green && t.has_base) ++up_to_date;
    if (!green && t.has_base) {
      const bool updates_ok = t.has_latest() || user_ignores_updates(user, t);
      const bool dlcs_ok = t.has_all_dlcs() || user_ignores_dlcs(user, t);
      if (updates_ok && dlcs_ok) ++ignored;
    }
    for (const auto& c : t.categories) {
      auto it =
          std::find_if(genres.begin(), genres.end(), [&](const auto& g) { return g.first == c; });
      if (it == genres.end()) {
        genres.emplace_back(c, 1);
      } else {
        ++it->second;
      }
    }
  }
  std::sort(genres.begin(), genres.end());  // jsonify sorts the keys anyway
  const auto total = static_cast<std::int64_t>(library.titles().size());
  const auto files = static_cast<std::int64_t>(library.files().size());
  const double completion =
      total > 0 ? round1(100.0 * static_cast<double>(up_to_date) / static_cast<double>(total))
                : 0.0;

  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  kv(w, "code", "SUCCESS");
  key(w, "data");
  w.StartObject();
  key(w, "genres");
  w.StartObject();
  for (const auto& [name, count] : genres) kv(w, name, count);
  w.EndObject();
  key(w, "identification");
  w.StartObject();
  kv(w, "identified_pct", 100.0);
  kv(w, "keys_valid", true);
  kv(w, "recognition_pct", 100.0);
  kv(w, "total_files", files);
  kv(w, "unidentified_count", 0);
  kv(w, "unrecognized_count", 0);
  w.EndObject();
  key(w, "libraries");
  w.StartArray();
  w.StartObject();
  kv(w, "id", 1);
  kv(w, "path", "/games");
  w.EndObject();
  w.EndArray();
  key(w, "library");
  w.StartObject();
  kv(w, "completion_rate", completion);
  kv(w, "pending", std::max<std::int64_t>(0, (total - up_to_date) - ignored));
  kv(w, "total_bases", bases);
  kv(w, "total_dlcs", dlcs);
  kv(w, "total_owned", total);
  kv(w, "total_size", total_size);
  kv(w, "total_size_formatted", format_size(total_size));
  kv(w, "total_titles", total);
  kv(w, "total_updates", updates);
  kv(w, "up_to_date", up_to_date);
  w.EndObject();
  key(w, "recent");
  w.StartArray();
  const auto& by_added = library.sorted("added_at");
  for (std::size_t i = 0; i < std::min(kRecentCount, by_added.size()); ++i) {
    write_item(w, *by_added[by_added.size() - 1 - i], user);
  }
  w.EndArray();
  key(w, "titledb");
  w.StartObject();
  kv(w, "coverage_pct", 12.5);
  kv(w, "games_with_metadata", total);
  kv(w, "metadata_quality_pct", 100.0);
  kv(w, "source_name", "blawar/titledb");
  kv(w, "total_available", std::int64_t{16384});
  w.EndObject();
  w.EndObject();
  kv(w, "success", true);
  w.EndObject();
  return finish(sb);
}

std::string render_app_info(const Library& library, std::string_view id) {
  const std::string tid = upper(id);
  const Title* t = library.find(tid);
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  kv(w, "code", "SUCCESS");
  key(w, "data");
  w.StartObject();
  if (t == nullptr) {
    kv(w, "app_id", tid);
    key(w, "category");
    w.StartArray();
    w.EndArray();
    kv(w, "description", "Informações não encontradas no TitleDB para este ID.");
    key(w, "dlcs");
    w.StartArray();
    w.EndArray();
    key(w, "files");
    w.StartArray();
    w.EndArray();
    kv(w, "has_all_dlcs", false);
    kv(w, "has_base", false);
    kv(w, "has_latest_version", false);
    kv(w, "iconUrl", "/static/img/no-icon.png");
    kv(w, "id", tid);
    kv(w, "name", "Unknown (" + tid + ")");
    kv(w, "owned", false);
    kv(w, "owned_version", 0);
    kv(w, "publisher", "--");
    kv(w, "release_date", "--");
    key(w, "updates");
    w.StartArray();
    w.EndArray();
  } else {
    kv(w, "added_at", t->added_at);
    kv(w, "app_id", t->title_id);
    kv(w, "bannerUrl", t->banner_url);
    str_array(w, "category", t->categories);
    kv(w, "description", t->description);
    kv(w, "display_version", t->owned_version);
    key(w, "dlcs");
    w.StartArray();
    for (int k = 0; k < t->dlc_total; ++k) {
      w.StartObject();
      kv(w, "app_id", t->dlc_id(k));
      key(w, "files");
      w.StartArray();
      w.EndArray();
      kv(w, "name", t->name + " DLC " + std::to_string(k + 1));
      kv(w, "owned", k < t->dlc_owned);
      kv(w, "release_date", t->release_date);
      w.EndObject();
    }
    w.EndArray();
    key(w, "files");
    w.StartArray();
    for (const ShopFile& f : library.files()) {
      if (f.title_index != t->index || f.app_id != t->title_id) continue;
      w.StartObject();
      kv(w, "filename", t->name + " [" + f.app_id + "][v0].nsp");
      kv(w, "filepath", "/games/" + t->name + " [" + f.app_id + "][v0].nsp");
      kv(w, "id", f.id);
      kv(w, "size", t->size);
      kv(w, "size_formatted", format_size(t->size));
      kv(w, "version", t->owned_version);
      w.EndObject();
    }
    w.EndArray();
    kv(w, "has_all_dlcs", t->has_all_dlcs());
    kv(w, "has_base", t->has_base);
    kv(w, "has_latest_version", t->has_latest());
    kv(w, "iconUrl", t->icon_url);
    kv(w, "id", t->title_id);
    kv_null(w, "metacritic_score");
    kv(w, "name", t->name);
    kv(w, "nsuid", t->nsuid);
    kv(w, "owned", t->has_base);
    kv(w, "owned_version", t->owned_version);
    kv(w, "publisher", t->publisher);
    kv(w, "release_date", t->release_date);
    key(w, "screenshots");
    w.StartArray();
    w.EndArray();
    kv(w, "size", t->size);
    kv(w, "size_formatted", format_size(t->size));
    kv(w, "status_color", t->has_base ? status_color(*t) : "gray");
    str_array(w, "tags", t->tags);
    kv(w, "title_id", t->title_id);
    key(w, "updates");
    w.StartArray();
    for (int v = kVersionStep; v <= t->latest_version; v += kVersionStep) {
      w.StartObject();
      key(w, "files");
      w.StartArray();
      w.EndArray();
      kv(w, "owned", v <= t->owned_version);
      kv(w, "release_date", t->release_date);
      kv(w, "version", v);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  kv(w, "success", true);
  w.EndObject();
  return finish(sb);
}

std::optional<std::string> render_titledb_data(const Library& library, std::string_view id) {
  const Title* t = library.find(id);
  if (t == nullptr) return std::nullopt;
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  kv(w, "code", "SUCCESS");
  key(w, "data");
  w.StartObject();
  kv(w, "bannerUrl", t->banner_url);
  str_array(w, "category", t->categories);
  kv(w, "description", t->description);
  kv(w, "iconUrl", t->icon_url);
  kv(w, "id", t->title_id);
  kv(w, "name", t->name);
  kv(w, "nsuid", t->nsuid);
  kv(w, "publisher", t->publisher);
  kv(w, "release_date", t->release_date);
  kv(w, "size", t->size);
  w.EndObject();
  kv(w, "success", true);
  w.EndObject();
  return finish(sb);
}

std::string render_tags() {
  struct Tag {
    const char* color;
    const char* icon;
    int id;
    const char* name;
  };
  static constexpr std::array kTags = {Tag{"#f1c40f", "bi-star-fill", 1, "Favorites"},
                                       Tag{"#3498db", "bi-people-fill", 2, "Multiplayer"},
                                       Tag{"#2ecc71", "bi-controller", 3, "Playing"},
                                       Tag{"#95a5a6", "bi-check2-all", 4, "Completed"}};
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  kv(w, "code", "SUCCESS");
  key(w, "data");
  w.StartArray();
  for (const Tag& t : kTags) {
    w.StartObject();
    kv(w, "color", t.color);
    kv(w, "icon", t.icon);
    kv(w, "id", t.id);
    kv(w, "name", t.name);
    w.EndObject();
  }
  w.EndArray();
  kv(w, "success", true);
  w.EndObject();
  return finish(sb);
}

std::string render_upcoming() {
  constexpr std::int64_t kFirstRelease = 1767225600;  // 2026-01-01T00:00:00Z
  constexpr std::int64_t kSpacing = 86400 * 3;
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  kv(w, "code", "SUCCESS");
  key(w, "data");
  w.StartObject();
  key(w, "games");
  w.StartArray();
  for (std::size_t i = 0; i < kUpcomingCount; ++i) {
    const std::int64_t when = kFirstRelease + static_cast<std::int64_t>(i) * kSpacing;
    const int day = 1 + static_cast<int>(i * 3 % 28);
    const int month = 1 + static_cast<int>(i * 3 / 28);
    w.StartObject();
    kv(w, "cover_url", "/static/img/no-icon.png");
    kv(w, "first_release_date", when);
    kv(w, "id", static_cast<std::int64_t>(300000 + i));
    kv(w, "name",
       std::string(kAdjectives[i % kAdjectives.size()]) + " " + kNouns[(i * 7) % kNouns.size()] +
           " (upcoming)");
    kv(w, "release_date", "2026-" + two(month) + "-" + two(day));
    kv(w, "release_date_formatted", two(day) + "/" + two(month) + "/2026");
    w.EndObject();
  }
  w.EndArray();
  kv(w, "source", "cache");
  w.EndObject();
  kv(w, "success", true);
  w.EndObject();
  return finish(sb);
}

std::string render_system_info(std::string_view build_version) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  kv(w, "code", "SUCCESS");
  key(w, "data");
  w.StartObject();
  kv(w, "build_version", build_version);
  kv(w, "id_source", "blawar/titledb (US.en.json)");
  kv(w, "titledb_file", "US.en.json");
  kv(w, "titledb_language", "en");
  kv(w, "titledb_region", "US");
  kv(w, "update_source", "TitleDB (versions.json)");
  w.EndObject();
  kv(w, "success", true);
  w.EndObject();
  return finish(sb);
}

std::string render_shop_index(const Library& library, const ShopView& view,
                              std::uint64_t file_size) {
  auto cased = [&](const std::string& id) { return view.lower_case_ids ? lower(id) : id; };
  std::string prefix;
  if (view.absolute_urls) {
    prefix = view.scheme + "://";
    if (view.basic) {
      prefix += pct_userinfo(view.basic->first) + ":" + pct_userinfo(view.basic->second) + "@";
    }
    prefix += view.host;
  }
  prefix += "/api/get_game/";

  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  key(w, "files");
  w.StartArray();
  std::vector<bool> listed(library.titles().size(), false);
  for (const ShopFile& f : library.files()) {
    const Title& t = library.titles()[f.title_index];
    listed[f.title_index] = true;
    std::string filename = t.name;
    if (!f.label.empty()) filename += " " + f.label;
    filename += " [" + cased(f.app_id) + "][v" + std::to_string(f.version) + "].nsp";
    w.StartObject();
    kv(w, "size", file_size);
    kv(w, "url", prefix + std::to_string(f.id) + "#" + filename);
    w.EndObject();
  }
  w.EndArray();
  if (view.referrer) kv(w, "referrer", *view.referrer);
  kv(w, "success", view.motd);
  key(w, "titles");
  w.StartArray();
  for (const Title& t : library.titles()) {
    if (!listed[t.index]) continue;
    w.StartObject();
    kv(w, "id", cased(t.title_id));
    kv(w, "name", t.name);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return finish(sb);
}

std::string error_body(std::string_view code, std::string_view message) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  kv(w, "code", code);
  kv(w, "message", message);
  kv(w, "success", false);
  w.EndObject();
  return finish(sb);
}

std::string tinfoil_error_body(std::string_view message) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  kv(w, "error", message);
  w.EndObject();
  return finish(sb);
}

}  // namespace foilcache::stub
