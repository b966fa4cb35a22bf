// The library lists and their aggregate: /api/library/paged, /api/library,
// /api/library/search/paged and /api/stats/overview, each with the caller's ignore flags.
#include "upstream_stub/library_model.hpp"
#include "upstream_stub/render_util.hpp"

#include <algorithm>

namespace foilcache::stub {
namespace {

using render::finish;
using render::key;
using render::kv;
using render::kVersionStep;
using render::lower;
using render::str_array;
using render::Writer;

constexpr std::size_t kRecentCount = 8;          // stats/overview "recent"
constexpr std::int64_t kLibraryPerPage = 500;     // library_api's per_page default
constexpr std::int64_t kLibraryMaxPerPage = 1000;  // and MAX_PER_PAGE

double round1(double v) {
  return static_cast<double>(static_cast<std::int64_t>(v * 10.0 + 0.5)) / 10.0;
}

int status_score(const Title& t) {
  if (!t.has_base) return 0;
  return (t.has_latest() && t.has_all_dlcs()) ? 2 : 1;
}
bool non_ignored_dlcs(const Title& t, const UserIgnores& user) {
  return has_non_ignored_dlcs(t, user);
}
bool non_ignored_updates(const Title& t, const UserIgnores& user) {
  return has_non_ignored_updates(t, user);
}
bool non_ignored_redundant(const Title& t, const UserIgnores& user) {
  return has_non_ignored_redundant(t, user);
}
bool contains_ci(std::string_view haystack, std::string_view needle) {
  return lower(haystack).find(lower(needle)) != std::string::npos;
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
void write_item(Writer& w, const Title& t, const UserIgnores& user) {
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
                 const UserIgnores& user) {
  key(w, "items");
  w.StartArray();
  for (std::size_t i = pw.begin; i < pw.end; ++i) write_item(w, *list[i], user);
  w.EndArray();
}
}  // namespace

const char* status_color(const Title& t) {
  return (t.has_base && t.has_latest() && t.has_all_dlcs()) ? "green" : "orange";
}

PagedBody render_library_paged(const Library& library, const PagedParams& params,
                               const UserIgnores& user) {
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
                                const UserIgnores& user) {
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

namespace {

struct StatsCounts {
  std::uint64_t total_size = 0;
  std::int64_t bases = 0, updates = 0, dlcs = 0, up_to_date = 0, ignored = 0;
  std::vector<std::pair<std::string, std::int64_t>> genres;  // sorted by name
};

StatsCounts count_stats(const Library& library, const UserIgnores& user) {
  StatsCounts s;
  for (const Title& t : library.titles()) {
    s.total_size += t.size;
    s.bases += t.has_base ? 1 : 0;
    s.updates += t.update_files;
    s.dlcs += t.dlc_owned;
    const bool green = std::string_view(status_color(t)) == "green";
    if (green && t.has_base) ++s.up_to_date;
    // Fully ignored: every missing update and DLC is one the caller ignores.
    if (!green && t.has_base && !has_non_ignored_updates(t, user) &&
        !has_non_ignored_dlcs(t, user)) {
      ++s.ignored;
    }
    for (const auto& c : t.categories) {
      auto it = std::find_if(s.genres.begin(), s.genres.end(),
                             [&](const auto& g) { return g.first == c; });
      if (it == s.genres.end()) {
        s.genres.emplace_back(c, 1);
      } else {
        ++it->second;
      }
    }
  }
  std::sort(s.genres.begin(), s.genres.end());  // jsonify sorts the keys anyway
  return s;
}

void write_identification(Writer& w, std::int64_t files) {
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
}

void write_library_counts(Writer& w, const StatsCounts& s, std::int64_t total) {
  const double completion =
      total > 0 ? round1(100.0 * static_cast<double>(s.up_to_date) / static_cast<double>(total))
                : 0.0;
  key(w, "library");
  w.StartObject();
  kv(w, "completion_rate", completion);
  kv(w, "pending", std::max<std::int64_t>(0, (total - s.up_to_date) - s.ignored));
  kv(w, "total_bases", s.bases);
  kv(w, "total_dlcs", s.dlcs);
  kv(w, "total_owned", total);
  kv(w, "total_size", s.total_size);
  kv(w, "total_size_formatted", format_size(s.total_size));
  kv(w, "total_titles", total);
  kv(w, "total_updates", s.updates);
  kv(w, "up_to_date", s.up_to_date);
  w.EndObject();
}

}  // namespace

std::string render_stats_overview(const Library& library, const UserIgnores& user) {
  const StatsCounts counts = count_stats(library, user);
  const auto total = static_cast<std::int64_t>(library.titles().size());
  const auto files = static_cast<std::int64_t>(library.files().size());

  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  kv(w, "code", "SUCCESS");
  key(w, "data");
  w.StartObject();
  key(w, "genres");
  w.StartObject();
  for (const auto& [name, count] : counts.genres) kv(w, name, count);
  w.EndObject();
  write_identification(w, files);
  write_library_counts(w, counts, total);
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

PagedBody render_library(const Library& library, const QueryParams& query,
                         const UserIgnores& user) {
  auto int_param = [&](std::string_view name, std::int64_t fallback) {
    const auto raw = query_first(query, name);
    return raw ? python_int(*raw).value_or(fallback) : fallback;
  };
  const std::int64_t page = std::max<std::int64_t>(1, int_param("page", 1));
  const std::int64_t per_page =
      std::clamp<std::int64_t>(int_param("per_page", kLibraryPerPage), 1, kLibraryMaxPerPage);
  const bool dlc = flag_true(query_first(query, "dlc"));
  const bool redundant = flag_true(query_first(query, "redundant"));
  std::vector<const Title*> list;
  for (const Title* t : library.sorted("name")) {
    if (dlc && !(t->has_base && has_non_ignored_dlcs(*t, user))) continue;
    if (redundant && !has_non_ignored_redundant(*t, user)) continue;
    list.push_back(t);
  }
  const PageWindow pw = window(list.size(), page, per_page);
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  kv(w, "code", "SUCCESS");
  key(w, "data");
  w.StartObject();
  write_items(w, list, pw, user);
  write_pagination(w, page, per_page, list.size(), pw.total_pages, nullptr);
  w.EndObject();
  kv(w, "success", true);
  w.EndObject();
  PagedBody out;
  out.body = finish(sb);
  out.page = page;
  out.per_page = per_page;
  out.total_items = static_cast<std::int64_t>(list.size());
  out.total_pages = pw.total_pages;
  return out;
}

PagedBody render_library_paged(const Library& library, const PagedParams& params,
                               std::string_view user) {
  return render_library_paged(library, params, UserIgnores{std::string(user), nullptr});
}

std::string render_search_paged(const Library& library, const QueryParams& query,
                                std::string_view user) {
  return render_search_paged(library, query, UserIgnores{std::string(user), nullptr});
}

std::string render_stats_overview(const Library& library, std::string_view user) {
  return render_stats_overview(library, UserIgnores{std::string(user), nullptr});
}

}  // namespace foilcache::stub
