// The stand-in app's data and its JSON, with no I/O: a deterministic synthetic library
// (a pure function of seed and scan generation), the per-user ignore preferences, MyFoil's
// query-parameter rules, and renderers that shape bodies like the app's (Flask jsonify:
// keys sorted, compact, trailing newline). Everything here is thread-safe to read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace foilcache::stub {

// Decoded query parameters in request order (a name may repeat; Werkzeug reads the first).
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// First value of `name`, or nullopt when absent (an empty value is present).
std::optional<std::string_view> query_first(const QueryParams& query, std::string_view name);

// Python's int(str) on ASCII input: surrounding whitespace, a sign, digits with single
// underscores between them. nullopt where Python raises ValueError (Werkzeug then uses the
// default). Values beyond int64 saturate (Python would keep the big integer).
std::optional<std::int64_t> python_int(std::string_view text);

// MyFoil's _flag_true: "1", "true", "yes", "on" in any case; absent is false.
bool flag_true(std::optional<std::string_view> value);

// GET /api/library/paged parameters after MyFoil's validation (routes/library.py
// library_paged_api): never an error; bad values fall back or are clamped.
struct PagedParams {
  std::int64_t page = 1;       // python_int or 1, then max(1, page)
  std::int64_t per_page = 50;  // python_int or 50, then clamped to [1, 100]
  std::string sort_by =
      "name";  // sort_by, else legacy sort; not name|added_at|release_date|size: name
  std::string order = "asc";  // exactly "asc" or "desc", else asc
  bool dlc = false;           // flag_true
  bool redundant = false;     // flag_true
  bool operator==(const PagedParams&) const = default;
};
PagedParams parse_paged_params(const QueryParams& query);

// One synthetic title (a MyFoil Titles row plus what its apps imply).
struct Title {
  std::size_t index = 0;
  std::string title_id;  // 16 upper-case hex digits ending in "000"
  std::string name;
  std::string publisher;
  std::string description;
  std::vector<std::string> categories;
  std::vector<std::string> tags;
  std::string release_date;  // YYYY-MM-DD
  std::string added_at;      // ISO 8601, no zone (Python isoformat of a naive datetime)
  std::string nsuid;
  std::string icon_url;
  std::string banner_url;
  std::uint64_t size = 0;  // bytes of owned files (changes with the generation)
  bool has_base = true;
  int owned_version = 0;  // multiples of 65536
  int latest_version = 0;
  int dlc_total = 0;
  int dlc_owned = 0;
  int update_files = 0;  // owned update files; > 1 means redundant updates

  bool has_latest() const { return owned_version >= latest_version; }
  bool has_all_dlcs() const { return dlc_owned >= dlc_total; }
  bool has_redundant_updates() const { return update_files > 1; }
  std::string update_id() const;    // the title's update app id (…800)
  std::string dlc_id(int k) const;  // DLC app id number k (0-based)
};

// A file the Tinfoil index lists and /api/get_game/{id} serves.
struct ShopFile {
  std::uint64_t id = 0;  // 1-based, stable across generations for old titles
  std::size_t title_index = 0;
  std::string app_id;  // upper case
  int version = 0;
  std::string label;  // "" for base/update, "DLC <n>" for DLCs
};

class Library {
 public:
  // base_titles + generation titles; each scan adds one and changes sizes and versions.
  Library(std::uint64_t seed, std::uint64_t generation, std::size_t base_titles);

  std::uint64_t generation() const { return generation_; }
  const std::vector<Title>& titles() const { return titles_; }
  const std::vector<ShopFile>& files() const { return files_; }
  // Case-insensitive lookup by title id; nullptr if absent.
  const Title* find(std::string_view title_id) const;
  // Titles in ascending order of sort_by (name|added_at|release_date|size, else name),
  // ties broken by title id so every order is total and deterministic.
  const std::vector<const Title*>& sorted(std::string_view sort_by) const;

 private:
  std::uint64_t generation_;
  std::vector<Title> titles_;
  std::vector<ShopFile> files_;
  std::vector<const Title*> by_name_, by_added_, by_release_, by_size_;
};

// The synthetic WishlistIgnore rows: whether `user` ignores the missing DLCs / updates of a
// title. Differs per user name (alice and bob ignore different titles); "" ignores nothing.
bool user_ignores_dlcs(std::string_view user, const Title& title);
bool user_ignores_updates(std::string_view user, const Title& title);

// MyFoil's format_size_py: "1.50 GB".
std::string format_size(std::uint64_t bytes);

// The /api/library/paged body plus the numbers its X-* headers carry.
struct PagedBody {
  std::string body;
  std::int64_t page = 1;
  std::int64_t per_page = 50;
  std::int64_t total_items = 0;
  std::int64_t total_pages = 0;
};
// {"code","data":{"items","pagination"},"items","pagination","success"}; items carry the
// per-user has_non_ignored_* flags of `user`.
PagedBody render_library_paged(const Library& library, const PagedParams& params,
                               std::string_view user);
// /api/library/search/paged: success envelope with {"items","pagination"}.
std::string render_search_paged(const Library& library, const QueryParams& query,
                                std::string_view user);
// /api/stats/overview: the "pending" count discounts titles `user` fully ignores.
std::string render_stats_overview(const Library& library, std::string_view user);
// /api/app_info/{id}: always 200 in the app (unknown ids get an "Unknown (…)" record).
std::string render_app_info(const Library& library, std::string_view id);
// /api/titledb_data/{title_id}: nullopt for an unknown id (answered 404).
std::optional<std::string> render_titledb_data(const Library& library, std::string_view id);
std::string render_tags();
std::string render_upcoming();
std::string render_system_info(std::string_view build_version);

// What the Tinfoil index embeds from the request (see StubOptions::shop_absolute_urls).
struct ShopView {
  bool absolute_urls = true;
  std::string scheme = "http";
  std::string host;
  std::optional<std::pair<std::string, std::string>> basic;  // caller's Basic user, password
  bool lower_case_ids = false;
  std::string motd;
  std::optional<std::string> referrer;  // "https://<verified host>" after Hauth passed
};
// {"files":[{"size","url"}],"referrer"?,"success":motd,"titles":[{"id","name"}]}
std::string render_shop_index(const Library& library, const ShopView& view,
                              std::uint64_t file_size);

// JSON error bodies of the app.
std::string error_body(std::string_view code, std::string_view message);  // error_response
std::string tinfoil_error_body(std::string_view message);                 // {"error": ...}

}  // namespace foilcache::stub
