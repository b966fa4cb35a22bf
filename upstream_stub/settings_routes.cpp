// Admin settings that change what the reads show (routes/settings.py, routes/system.py,
// routes/web.py): the title settings and TitleDB sources (GET /api/system/info, titles'
// names after the TitleDB update they start), library paths and keys (the library, as a
// scan changes it), renaming and re-identification, and restoring a settings or keys
// backup. Errors are the app's: KeyError 400, a body that is not a JSON object 500.
#include <algorithm>
#include <array>
#include <cctype>

#include "upstream_stub/app_routes.hpp"
#include "upstream_stub/py_json.hpp"
#include "upstream_stub/route_util.hpp"

namespace foilcache::stub {
namespace {

using route::app_error;
using route::json_ok;
using route::json_string;
using route::member;

constexpr std::string_view kSettingsBackup = "settings_20260101_000000.yaml";
constexpr std::string_view kKeysBackup = "keys_20260101_000000.txt";

// TitleDB's languages.json: the region/language pairs POST /api/settings/titles accepts.
constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kLanguages = {{
    {"US", "en"}, {"US", "es"}, {"GB", "en"}, {"BR", "pt"}, {"JP", "ja"},
    {"DE", "de"}, {"FR", "fr"}, {"ES", "es"}, {"IT", "it"},
}};

Reply ok(std::string_view message, const Request& req) {
  return with_vary(json_ok(success_body("", message), req.version()));
}

// handle_api_errors' answer to a KeyError (data["name"] of a missing member).
Reply missing_parameter(std::string_view name, const Request& req) {
  return with_vary(app_error(http::status::bad_request, "VALIDATION_ERROR",
                             "Missing required parameter: '" + std::string(name) + "'",
                             req.version()));
}

// The string member `name`, or nullopt when it is absent or null; `bad` when it is
// another type (the stub keeps strings only; the app would fail later).
std::optional<std::string> string_member(const rapidjson::Value& data, std::string_view name,
                                         bool& bad) {
  return route::optional_string(member(data, name), bad);
}

// The post_library_change() a scan also ends in: the library changes (the stub adds a
// title), then library_updated is announced.
void library_changed(StubState& state) {
  const std::uint64_t generation = state.bump_generation();
  if (state.options().on_library_changed) state.options().on_library_changed(generation);
  state.events().library_changed();
}

// POST /api/settings/titles (set_titles_settings_api): a new region or language starts a
// TitleDB update (the titles' names in that language come with it).
Reply titles_settings(StubState& state, const Request& req) {
  if (auto r = write_guard(state, req, {http::verb::post}, Access::kAdmin)) return std::move(*r);
  const auto data = route::request_json(req);
  if (!data || !data->IsObject()) return app_failure(req);
  bool bad = false;
  const auto region = string_member(*data, "region", bad);
  const auto language = string_member(*data, "language", bad);
  if (bad) return app_failure(req);
  TitleSettings titles = state.titles();
  if (region) titles.region = *region;
  if (language) titles.language = *language;
  if (region || language) {
    const bool known = std::any_of(kLanguages.begin(), kLanguages.end(), [&](const auto& pair) {
      return pair.first == titles.region && pair.second == titles.language;
    });
    if (!known) {
      return with_vary(app_error(http::status::bad_request, "VALIDATION_ERROR",
                                 "The region/language pair " + titles.region + "/" +
                                     titles.language + " is not available.",
                                 req.version()));
    }
  }
  state.set_titles(titles);
  if (region || language) {
    state.events().start_job(JobKind::kTitleDbUpdate,
                             py::object({{"force", py::boolean(true)}}));
  }
  return ok("Title settings updated successfully", req);
}

std::string render_sources(const std::vector<TitleDbSource>& sources) {
  std::vector<std::string> items;
  for (const TitleDbSource& s : sources) {
    items.push_back("{\"base_url\":" + json_string(s.base_url) +
                    ",\"enabled\":" + (s.enabled ? "true" : "false") + ",\"name\":" +
                    json_string(s.name) + ",\"priority\":" + std::to_string(s.priority) + "}");
  }
  std::string list = "[";
  for (std::size_t i = 0; i < items.size(); ++i) list += (i ? "," : "") + items[i];
  return "{\"sources\":" + list + "]}";
}

// Sets the fields of `source` that `data` names (update_source; add_source takes the URL
// as given); false for a type the stub does not keep (a non-integer priority, a non-string
// base_url).
bool update_source_fields(const rapidjson::Value& data, TitleDbSource& source, bool url_too) {
  if (const auto* url = member(data, "base_url"); url != nullptr && url_too) {
    if (!url->IsString()) return false;
    source.base_url = url->GetString();
    while (source.base_url.ends_with('/')) source.base_url.pop_back();
  }
  if (const auto* enabled = member(data, "enabled")) source.enabled = route::truthy(*enabled);
  if (const auto* priority = member(data, "priority")) {
    if (!priority->IsInt64()) return false;
    source.priority = priority->GetInt64();
  }
  return true;
}

// /api/settings/titledb/sources (titledb_sources_api): GET lists, POST adds, PUT updates,
// DELETE removes one source by name.
Reply titledb_sources(StubState& state, const Request& req) {
  using http::verb;
  if (auto r = write_guard(state, req, {verb::get, verb::head, verb::post, verb::put, verb::delete_},
                           Access::kAdmin)) {
    return std::move(*r);
  }
  TitleSettings titles = state.titles();
  if (req.method() == verb::get || req.method() == verb::head) {
    return with_vary(json_ok(success_body(render_sources(titles.sources), ""), req.version()));
  }
  const auto data = route::request_json(req);
  if (!data || !data->IsObject()) return app_failure(req);
  bool bad = false;
  const auto name = string_member(*data, "name", bad);
  const auto url = string_member(*data, "base_url", bad);
  if (bad) return app_failure(req);
  const auto found = std::find_if(titles.sources.begin(), titles.sources.end(),
                                  [&](const TitleDbSource& s) { return name && s.name == *name; });
  auto failed = [&](std::string_view message) {
    return with_vary(app_error(http::status::bad_request, "INTERNAL_ERROR", message, req.version()));
  };
  std::string_view done;
  if (req.method() == verb::post) {
    if (!name || name->empty() || !url || url->empty()) return failed("Name and base_url are required");
    if (found != titles.sources.end()) return failed("Failed to add source");
    TitleDbSource added{*name, *url};
    if (!update_source_fields(*data, added, false)) return app_failure(req);
    titles.sources.push_back(std::move(added));
    done = "Source added";
  } else if (!name || name->empty()) {
    return failed("Name is required");
  } else if (found == titles.sources.end()) {
    return failed(req.method() == verb::put ? "Failed to update source" : "Failed to remove source");
  } else if (req.method() == verb::put) {
    if (!update_source_fields(*data, *found, true)) return app_failure(req);
    done = "Source updated";
  } else {
    titles.sources.erase(found);
    done = "Source removed";
  }
  state.set_titles(std::move(titles));
  return ok(done, req);
}

// POST /api/settings/titledb/sources/reorder: {name: priority, ...} (or a list of
// {name, priority}); unknown names are counted but change nothing, as update_source does.
Reply reorder_sources(StubState& state, const Request& req) {
  if (auto r = write_guard(state, req, {http::verb::post}, Access::kAdmin)) return std::move(*r);
  const auto data = route::request_json(req);
  if (!data) return app_failure(req);
  TitleSettings titles = state.titles();
  int updated = 0;
  auto set = [&](std::string_view name, const rapidjson::Value& priority) {
    if (!priority.IsInt64()) return false;
    for (TitleDbSource& s : titles.sources) {
      if (s.name == name) s.priority = priority.GetInt64();
    }
    ++updated;
    return true;
  };
  if (data->IsObject()) {
    for (const auto& m : data->GetObject()) {
      if (!set(std::string_view(m.name.GetString(), m.name.GetStringLength()), m.value)) {
        return app_failure(req);
      }
    }
  } else if (data->IsArray()) {
    for (const auto& item : data->GetArray()) {
      const auto* name = member(item, "name");
      const auto* priority = member(item, "priority");
      if (!item.IsObject()) return app_failure(req);  // item.get on a non-dict
      if (name == nullptr || !route::truthy(*name) || priority == nullptr || priority->IsNull()) {
        continue;
      }
      if (!name->IsString() || !set(name->GetString(), *priority)) return app_failure(req);
    }
  }
  state.set_titles(std::move(titles));
  return ok("Reordered " + std::to_string(updated) + " sources", req);
}

// /api/settings/library/paths (library_paths_api). add_library_complete and
// remove_library_complete fail for a path already (or not) there; the app then calls
// error_response with an `errors` argument it does not take: a 500.
Reply library_paths(StubState& state, const Request& req) {
  using http::verb;
  if (auto r = write_guard(state, req, {verb::get, verb::head, verb::post, verb::delete_},
                           Access::kAdmin)) {
    return std::move(*r);
  }
  if (req.method() == verb::get || req.method() == verb::head) {
    std::string list;
    const auto paths = state.library_paths();
    for (std::size_t i = 0; i < paths.size(); ++i) {
      list += std::string(i ? "," : "") + "{\"id\":" + std::to_string(i + 1) +
              ",\"path\":" + json_string(paths[i]) + "}";
    }
    return with_vary(json_ok(success_body("{\"paths\":[" + list + "]}", ""), req.version()));
  }
  const auto data = route::request_json(req);
  if (!data || !data->IsObject()) return app_failure(req);
  const rapidjson::Value* path = member(*data, "path");
  if (path == nullptr) return missing_parameter("path", req);
  if (!path->IsString()) return app_failure(req);
  const bool add = req.method() == verb::post;
  if (!state.set_library_path(path->GetString(), add)) return app_failure(req);
  library_changed(state);
  return ok(add ? "Library path added" : "Library path removed", req);
}

// One part of a multipart/form-data body: its form field name, filename and content.
struct FormPart {
  std::string name;
  std::string filename;
  std::string content;
};

std::optional<std::string> disposition_param(std::string_view headers, std::string_view param) {
  const std::string needle = std::string(param) + "=\"";
  const auto at = headers.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  const auto begin = at + needle.size();
  const auto end = headers.find('"', begin);
  if (end == std::string_view::npos) return std::nullopt;
  return std::string(headers.substr(begin, end - begin));
}

// The parts of a multipart/form-data request (Werkzeug's form parser, enough for files).
std::vector<FormPart> form_parts(const Request& req) {
  const std::string_view type = route::header(req, http::field::content_type);
  const auto at = type.find("boundary=");
  if (!route::icontains(type, "multipart/form-data") || at == std::string_view::npos) return {};
  std::string boundary(type.substr(at + 9));
  if (boundary.size() > 1 && boundary.front() == '"') boundary = boundary.substr(1, boundary.size() - 2);
  const std::string delimiter = "--" + boundary;
  const std::string_view body = req.body();
  std::vector<FormPart> parts;
  auto pos = body.find(delimiter);
  while (pos != std::string_view::npos) {
    const auto start = pos + delimiter.size();
    if (body.substr(start, 2) == "--") break;
    const auto head_end = body.find("\r\n\r\n", start);
    const auto next = body.find("\r\n" + delimiter, start);
    if (head_end == std::string_view::npos || next == std::string_view::npos || head_end > next) break;
    const std::string_view headers = body.substr(start, head_end - start);
    parts.push_back({disposition_param(headers, "name").value_or(""),
                     disposition_param(headers, "filename").value_or(""),
                     std::string(body.substr(head_end + 4, next - head_end - 4))});
    pos = next + 2;
  }
  return parts;
}

// nstools Keys.load: every non-empty line "name = hex", at least one.
bool valid_keys(std::string_view text) {
  int keys = 0;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty()) continue;
    const auto eq = line.find(" = ");
    if (eq == std::string_view::npos || eq == 0) return false;
    const std::string_view value = line.substr(eq + 3);
    if (value.empty() || !std::all_of(value.begin(), value.end(),
                                      [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
      return false;
    }
    ++keys;
  }
  return keys > 0;
}

// POST /api/settings/keys (set_keys_api): a keys.txt / prod.keys upload; valid keys
// identify files anew, so the library changes as after a scan.
Reply upload_keys(StubState& state, const Request& req) {
  if (auto r = write_guard(state, req, {http::verb::post}, Access::kAdmin)) return std::move(*r);
  const auto parts = form_parts(req);
  const auto file = std::find_if(parts.begin(), parts.end(), [](const FormPart& p) { return p.name == "file"; });
  if (file == parts.end()) return missing_parameter("file", req);
  const auto dot = file->filename.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : file->filename.substr(dot + 1);
  if (ext != "keys" && ext != "txt") {
    return with_vary(app_error(http::status::bad_request, "INTERNAL_ERROR",
                               "No file or invalid file format", req.version()));
  }
  if (!valid_keys(file->content)) {
    return with_vary(app_error(http::status::bad_request, "INTERNAL_ERROR",
                               "Invalid keys from " + file->filename, req.version()));
  }
  library_changed(state);
  return ok("Keys updated successfully", req);
}

// POST /api/backup/restore (restore_backup_api): the stub has one settings backup (the
// shop and title settings it started with) and one keys backup (restoring keys changes
// nothing until the next scan). The app restores files, not its database.
Reply restore_backup(StubState& state, const Request& req) {
  if (auto r = write_guard(state, req, {http::verb::post}, Access::kAdmin)) return std::move(*r);
  const auto data = route::request_json(req);
  if (!data || !data->IsObject()) return app_failure(req);
  const rapidjson::Value* filename = member(*data, "filename");
  if (filename == nullptr || !route::truthy(*filename)) {
    return with_vary(app_error(http::status::bad_request, "VALIDATION_ERROR", "Filename required",
                               req.version()));
  }
  const std::string name = filename->IsString() ? filename->GetString() : "";
  if (name == kSettingsBackup) {
    state.set_shop(state.initial_shop());
    state.set_shop_hauth(state.options().shop_hauth);
    TitleSettings titles = state.titles();
    titles.region = TitleSettings{}.region;
    titles.language = TitleSettings{}.language;
    state.set_titles(std::move(titles));
  } else if (name != kKeysBackup) {
    return with_vary(app_error(http::status::internal_server_error, "INTERNAL_ERROR",
                               "Restore failed", req.version()));
  }
  return ok("Restored from " + name + ". Please restart the application.", req);
}

// POST /api/renaming/run: the app renames in a background thread and answers at once (not
// in the success envelope). The stub's files already carry their pattern names.
Reply run_renaming(StubState& state, const Request& req) {
  if (auto r = write_guard(state, req, {http::verb::post}, Access::kAdmin)) return std::move(*r);
  return with_vary(json_ok("{\"message\":\"Renaming job started in background\",\"success\":true}\n",
                           req.version()));
}

// POST /api/system/reidentify-all: the reidentify_all job (job_update events).
Reply reidentify_all(StubState& state, const Request& req) {
  if (auto r = write_guard(state, req, {http::verb::post}, Access::kAdmin)) return std::move(*r);
  state.events().start_job(JobKind::kReidentifyAll, "{}");
  return ok("Re-identification job started", req);
}

}  // namespace

std::optional<Reply> settings_route(StubState& state, const Request& req, std::string_view path) {
  if (path == "/api/settings/titles") return titles_settings(state, req);
  if (path == "/api/settings/titledb/sources") return titledb_sources(state, req);
  if (path == "/api/settings/titledb/sources/reorder") return reorder_sources(state, req);
  if (path == "/api/settings/library/paths") return library_paths(state, req);
  if (path == "/api/settings/keys") return upload_keys(state, req);
  if (path == "/api/backup/restore") return restore_backup(state, req);
  if (path == "/api/renaming/run") return run_renaming(state, req);
  if (path == "/api/system/reidentify-all") return reidentify_all(state, req);
  return std::nullopt;
}

}  // namespace foilcache::stub
