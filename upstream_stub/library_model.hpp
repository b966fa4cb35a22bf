// The stand-in app's data and its JSON, with no I/O: a deterministic synthetic library
// (a pure function of seed, scan generation and the edits the app's write routes made), the
// per-user ignore preferences, MyFoil's query-parameter rules, and renderers that shape
// bodies like the app's (Flask jsonify: keys sorted, compact, trailing newline). Renderers
// live in library_views.cpp (lists, stats) and library_render.cpp (the rest). Everything
// here is thread-safe to read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
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
  std::optional<int> metacritic_score;   // set by a metadata fetch or a RAWG match
  std::vector<std::string> screenshots;  // likewise
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

// The app's status_color: "green" when base, latest update and every DLC are owned.
const char* status_color(const Title& t);

// A file the Tinfoil index lists and /api/get_game/{id} serves.
struct ShopFile {
  std::uint64_t id = 0;  // 1-based; a deleted file's id is not reused
  std::size_t title_index = 0;
  std::string app_id;  // upper case
  int version = 0;
  std::string label;  // "" for base/update, "DLC <n>" for DLCs
};

// A file's identity across generations (its id may shift when a scan adds files).
struct FileKey {
  std::string app_id;
  int version = 0;
  auto operator<=>(const FileKey&) const = default;
};

// POST /api/games/{tid}/custom (titles.save_custom_title_info): the fields it may set.
struct CustomInfo {
  std::optional<std::string> name, description, publisher, icon_url, banner_url, nsuid,
      release_date;
  std::optional<std::vector<std::string>> categories;
  bool operator==(const CustomInfo&) const = default;
};

// What the app's write routes changed in the shared library (not per user). Plain data; the
// library is rebuilt from (seed, generation, edits).
struct LibraryEdits {
  std::uint64_t revision = 0;  // +1 per change: part of the library hash (/api/library ETag)
  std::map<std::string, CustomInfo, std::less<>> custom;  // by upper-case title id
  std::set<FileKey> deleted_files;  // /api/files/delete, /api/cleanup/orphaned
  std::map<std::string, int, std::less<>> metadata_fetches;  // title id -> fetch count
  std::map<std::string, std::int64_t, std::less<>> rawg_ids;  // /api/library/match-rawg
  std::uint64_t titledb_revision = 0;  // +1 per TitleDB update: renames some titles
};

class Library {
 public:
  // base_titles + generation titles; each scan adds one and changes sizes and versions.
  // `edits` apply on top: custom info, deleted files (a title's size shrinks by its share),
  // fetched metadata, RAWG matches, TitleDB renames.
  Library(std::uint64_t seed, std::uint64_t generation, std::size_t base_titles,
          const LibraryEdits& edits = {});

  std::uint64_t generation() const { return generation_; }
  const std::vector<Title>& titles() const { return titles_; }
  // Ascending by id.
  const std::vector<ShopFile>& files() const { return files_; }
  // The file with `id`; nullptr if absent or deleted.
  const ShopFile* find_file(std::uint64_t id) const;
  // Whether the stub pretends `file` vanished from disk (about 1 in 64, a pure function of
  // seed and file): what POST /api/cleanup/orphaned removes.
  bool missing_on_disk(const ShopFile& file) const;
  // Case-insensitive lookup by title id; nullptr if absent.
  const Title* find(std::string_view title_id) const;
  // Titles in ascending order of sort_by (name|added_at|release_date|size, else name),
  // ties broken by title id so every order is total and deterministic.
  const std::vector<const Title*>& sorted(std::string_view sort_by) const;
  // The library's content hash (32 lower-case hex digits): changes with the generation and
  // every edit, not with anyone's ignore preferences (the app's /api/library ETag).
  const std::string& hash() const { return hash_; }

 private:
  void apply(const LibraryEdits& edits);
  void build_files(const LibraryEdits& edits);

  std::uint64_t seed_;
  std::uint64_t generation_;
  std::string hash_;
  std::vector<Title> titles_;
  std::vector<ShopFile> files_;
  std::vector<const Title*> by_name_, by_added_, by_release_, by_size_;
};

// The synthetic WishlistIgnore rows: whether `user` ignores the missing DLCs / updates of a
// title. Differs per user name (alice and bob ignore different titles); "" ignores nothing.
bool user_ignores_dlcs(std::string_view user, const Title& title);
bool user_ignores_updates(std::string_view user, const Title& title);

// One title's WishlistIgnore row as the ignore toggles write it: per-item flags.
struct IgnoreRecord {
  std::map<std::string, bool> dlcs;     // DLC app id, upper case -> ignored
  std::map<std::string, bool> updates;  // update version in decimal -> ignored
  bool operator==(const IgnoreRecord&) const = default;
};
using IgnoreRecords = std::map<std::string, IgnoreRecord, std::less<>>;  // by upper title id

// The synthetic row of user_ignores_* written out item by item: every DLC and every update
// version the title has now, flagged ignored; empty when the user ignores nothing of it.
IgnoreRecord synthetic_ignore_record(std::string_view user, const Title& title);

// What one caller ignores: the synthetic rows, replaced title by title by the records the
// caller's toggles wrote (routes/library.py apply_ignore_preferences_to_game reads them).
struct UserIgnores {
  std::string user;
  std::shared_ptr<const IgnoreRecords> records;  // null: no toggles yet
  // The caller's record for `title_id` (upper case), or nullptr: the synthetic row applies.
  const IgnoreRecord* find(std::string_view title_id) const;
};

// The per-user flags of a library item (generation.py apply_ignore_preferences_to_game):
// a missing DLC / a missing update version not ignored; a redundant update whose owned
// version is not ignored (the stub keys its older copies under the owned version).
bool has_non_ignored_dlcs(const Title& title, const UserIgnores& ignores);
bool has_non_ignored_updates(const Title& title, const UserIgnores& ignores);
bool has_non_ignored_redundant(const Title& title, const UserIgnores& ignores);

// The TitleTag rows of a title: tag 1 (Favorites) and 2 (Multiplayer) where its metadata
// tags carry those names; a pure function of the title.
std::vector<std::int64_t> title_tag_ids(const Title& title);

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
                               const UserIgnores& ignores);
PagedBody render_library_paged(const Library& library, const PagedParams& params,
                               std::string_view user);  // the synthetic ignores only
// /api/library/search/paged: success envelope with {"items","pagination"}.
std::string render_search_paged(const Library& library, const QueryParams& query,
                                const UserIgnores& ignores);
std::string render_search_paged(const Library& library, const QueryParams& query,
                                std::string_view user);
// /api/stats/overview: the "pending" count discounts titles the caller fully ignores.
std::string render_stats_overview(const Library& library, const UserIgnores& ignores);
std::string render_stats_overview(const Library& library, std::string_view user);
// /api/library (library_api): every title by name, paged by `page` and `per_page` (default
// 500, at most 1000), filtered by `dlc` / `redundant` like the paged list.
PagedBody render_library(const Library& library, const QueryParams& query,
                         const UserIgnores& ignores);
// GET /api/games/{tid}/custom's data object (custom.json's entry): {"bannerUrl",
// "category","description","iconUrl","id","name","nsuid","publisher","releaseDate"}, each
// only when set.
std::string render_custom_info(std::string_view title_id, const CustomInfo& info);
// /api/app_info/{id}: always 200 in the app (unknown ids get an "Unknown (…)" record).
std::string render_app_info(const Library& library, std::string_view id);
// /api/titledb_data/{title_id}: nullopt for an unknown id (answered 404).
std::optional<std::string> render_titledb_data(const Library& library, std::string_view id);

// A row of MyFoil's Tag table.
struct Tag {
  std::int64_t id = 0;
  std::string name;
  std::optional<std::string> color;  // "#rrggbb"
  std::optional<std::string> icon;   // a Bootstrap icon class
  bool operator==(const Tag&) const = default;
};
// The four tags the stub starts with (what render_tags() lists).
std::vector<Tag> default_tags();
// /api/tags: {"code","data":[{"color","icon","id","name"}],"success"}.
std::string render_tags(const std::vector<Tag>& tags);
std::string render_tags();  // default_tags()
// The data object of one tag ({"color","icon","id","name"}) in a success envelope.
std::string render_tag(const Tag& tag);
std::string render_upcoming();
// /api/system/info: the build, the title settings' region and language, and the TitleDB
// source the titles come from (the one-argument form: US, en, "tinfoil.media").
std::string render_system_info(std::string_view build_version, std::string_view region,
                               std::string_view language, std::string_view source);
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

// success_response(data, message): {"code":"SUCCESS","data"?,"message"?,"success":true};
// `data_json` is rendered JSON (empty: no "data"), `message` empty: no "message".
std::string success_body(std::string_view data_json, std::string_view message);

// JSON error bodies of the app.
std::string error_body(std::string_view code, std::string_view message);  // error_response
std::string tinfoil_error_body(std::string_view message);                 // {"error": ...}

}  // namespace foilcache::stub
