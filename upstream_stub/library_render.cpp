// The app's other bodies: app_info, titledb_data, tags, upcoming, system info, the Tinfoil
// shop index and the success/error envelopes.
#include "upstream_stub/library_model.hpp"
#include "common/hex.hpp"
#include "upstream_stub/render_util.hpp"

#include <algorithm>
#include <cctype>

namespace foilcache::stub {
namespace {

using render::finish;
using render::kAdjectives;
using render::key;
using render::kNouns;
using render::kv;
using render::kv_null;
using render::kVersionStep;
using render::lower;
using render::str_array;
using render::upper;
using render::Writer;

constexpr std::size_t kUpcomingCount = 20;

std::string two(int v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
}

}  // namespace

namespace {

void empty_array(Writer& w, std::string_view k) {
  key(w, k);
  w.StartArray();
  w.EndArray();
}

void write_unknown_app_info(Writer& w, const std::string& tid) {
  kv(w, "app_id", tid);
  empty_array(w, "category");
  kv(w, "description", "Informações não encontradas no TitleDB para este ID.");
  empty_array(w, "dlcs");
  empty_array(w, "files");
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
  empty_array(w, "updates");
}

void write_app_info_dlcs(Writer& w, const Title& t) {
  key(w, "dlcs");
  w.StartArray();
  for (int k = 0; k < t.dlc_total; ++k) {
    w.StartObject();
    kv(w, "app_id", t.dlc_id(k));
    empty_array(w, "files");
    kv(w, "name", t.name + " DLC " + std::to_string(k + 1));
    kv(w, "owned", k < t.dlc_owned);
    kv(w, "release_date", t.release_date);
    w.EndObject();
  }
  w.EndArray();
}

void write_app_info_files(Writer& w, const Library& library, const Title& t) {
  key(w, "files");
  w.StartArray();
  for (const ShopFile& f : library.files()) {
    if (f.title_index != t.index || f.app_id != t.title_id) continue;
    w.StartObject();
    kv(w, "filename", t.name + " [" + f.app_id + "][v0].nsp");
    kv(w, "filepath", "/games/" + t.name + " [" + f.app_id + "][v0].nsp");
    kv(w, "id", f.id);
    kv(w, "size", t.size);
    kv(w, "size_formatted", format_size(t.size));
    kv(w, "version", t.owned_version);
    w.EndObject();
  }
  w.EndArray();
}

void write_app_info_updates(Writer& w, const Title& t) {
  key(w, "updates");
  w.StartArray();
  for (int v = kVersionStep; v <= t.latest_version; v += kVersionStep) {
    w.StartObject();
    empty_array(w, "files");
    kv(w, "owned", v <= t.owned_version);
    kv(w, "release_date", t.release_date);
    kv(w, "version", v);
    w.EndObject();
  }
  w.EndArray();
}

void write_known_app_info(Writer& w, const Library& library, const Title& t) {
  kv(w, "added_at", t.added_at);
  kv(w, "app_id", t.title_id);
  kv(w, "bannerUrl", t.banner_url);
  str_array(w, "category", t.categories);
  kv(w, "description", t.description);
  kv(w, "display_version", t.owned_version);
  write_app_info_dlcs(w, t);
  write_app_info_files(w, library, t);
  kv(w, "has_all_dlcs", t.has_all_dlcs());
  kv(w, "has_base", t.has_base);
  kv(w, "has_latest_version", t.has_latest());
  kv(w, "iconUrl", t.icon_url);
  kv(w, "id", t.title_id);
  key(w, "metacritic_score");
  if (t.metacritic_score) {
    w.Int(*t.metacritic_score);
  } else {
    w.Null();
  }
  kv(w, "name", t.name);
  kv(w, "nsuid", t.nsuid);
  kv(w, "owned", t.has_base);
  kv(w, "owned_version", t.owned_version);
  kv(w, "publisher", t.publisher);
  kv(w, "release_date", t.release_date);
  str_array(w, "screenshots", t.screenshots);
  kv(w, "size", t.size);
  kv(w, "size_formatted", format_size(t.size));
  kv(w, "status_color", t.has_base ? status_color(t) : "gray");
  str_array(w, "tags", t.tags);
  kv(w, "title_id", t.title_id);
  write_app_info_updates(w, t);
}

std::string pct_userinfo(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      common::append_pct_upper(out, c);
    }
  }
  return out;
}

}  // namespace

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
    write_unknown_app_info(w, tid);
  } else {
    write_known_app_info(w, library, *t);
  }
  w.EndObject();
  kv(w, "success", true);
  w.EndObject();
  return finish(sb);
}

std::string render_custom_info(std::string_view title_id, const CustomInfo& c) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  auto opt = [&](std::string_view k, const std::optional<std::string>& v) {
    if (v) kv(w, k, *v);
  };
  w.StartObject();
  opt("bannerUrl", c.banner_url);
  if (c.categories) str_array(w, "category", *c.categories);
  opt("description", c.description);
  opt("iconUrl", c.icon_url);
  kv(w, "id", title_id);
  opt("name", c.name);
  opt("nsuid", c.nsuid);
  opt("publisher", c.publisher);
  opt("releaseDate", c.release_date);
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
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

std::vector<Tag> default_tags() {
  return {Tag{1, "Favorites", "#f1c40f", "bi-star-fill"},
          Tag{2, "Multiplayer", "#3498db", "bi-people-fill"},
          Tag{3, "Playing", "#2ecc71", "bi-controller"},
          Tag{4, "Completed", "#95a5a6", "bi-check2-all"}};
}

namespace {

void write_tag(Writer& w, const Tag& t) {
  w.StartObject();
  render::kv_opt(w, "color", t.color);
  render::kv_opt(w, "icon", t.icon);
  kv(w, "id", t.id);
  kv(w, "name", t.name);
  w.EndObject();
}

}  // namespace

std::string render_tags(const std::vector<Tag>& tags) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  kv(w, "code", "SUCCESS");
  key(w, "data");
  w.StartArray();
  for (const Tag& t : tags) write_tag(w, t);
  w.EndArray();
  kv(w, "success", true);
  w.EndObject();
  return finish(sb);
}

std::string render_tags() { return render_tags(default_tags()); }

std::string render_tag(const Tag& tag) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  kv(w, "code", "SUCCESS");
  key(w, "data");
  write_tag(w, tag);
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
  return render_system_info(build_version, "US", "en", "tinfoil.media");
}

std::string render_system_info(std::string_view build_version, std::string_view region,
                               std::string_view language, std::string_view source) {
  const std::string file = std::string(region) + "." + std::string(language) + ".json";
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  kv(w, "code", "SUCCESS");
  key(w, "data");
  w.StartObject();
  kv(w, "build_version", build_version);
  kv(w, "id_source", std::string(source) + " (" + file + ")");
  kv(w, "titledb_file", file);
  kv(w, "titledb_language", language);
  kv(w, "titledb_region", region);
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

std::string success_body(std::string_view data_json, std::string_view message) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  kv(w, "code", "SUCCESS");
  if (!data_json.empty()) {
    key(w, "data");
    w.RawValue(data_json.data(), data_json.size(), rapidjson::kObjectType);
  }
  if (!message.empty()) kv(w, "message", message);
  kv(w, "success", true);
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
