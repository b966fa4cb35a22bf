// Library maintenance (routes/system.py, routes/library.py): deleting a file, the orphan
// cleanup, one title's metadata refresh, a manual RAWG match, and the routes that start
// background jobs (metadata fetches, TitleDB update). All admin except the single refresh.
#include <charconv>

#include "upstream_stub/app_routes.hpp"
#include "upstream_stub/py_json.hpp"
#include "upstream_stub/render_util.hpp"
#include "upstream_stub/route_util.hpp"

namespace foilcache::stub {
namespace {

using route::app_error;
using route::json_ok;
using route::member;

// What fails where the app raises (handle_api_errors: 500).
Reply internal_error(const Request& req) {
  return with_vary(route::app_internal_error(req.version()));
}

// The common head of a POST-only admin/shop route: the 405, or the 401/403, or nothing.
std::optional<Reply> post_guard(StubState& state, const Request& req, Access access) {
  return write_guard(state, req, {http::verb::post}, access);
}

// POST /api/files/delete/{id} (delete_file_api).
Reply delete_file(StubState& state, const Request& req, std::int64_t id) {
  if (auto r = post_guard(state, req, Access::kAdmin)) return std::move(*r);
  const unsigned v = req.version();
  const bool deleted = state.edit_library([&](LibraryEdits& edits, const Library& library) {
    const ShopFile* f = library.find_file(static_cast<std::uint64_t>(id));
    return f != nullptr && edits.deleted_files.insert(FileKey{f->app_id, f->version}).second;
  });
  if (!deleted) {
    // not_found_response("File", file_id): a falsy id drops the "with ID" part.
    const std::string message =
        id == 0 ? "File not found" : "File with ID '" + std::to_string(id) + "' not found";
    return with_vary(app_error(http::status::not_found, "NOT_FOUND", message, v));
  }
  return with_vary(json_ok(success_body("", "File deleted successfully"), v));
}

// POST /api/cleanup/orphaned (cleanup_orphaned_apps_api): drops every file missing on disk
// and the app rows they leave without a file.
Reply cleanup_orphaned(StubState& state, const Request& req) {
  if (auto r = post_guard(state, req, Access::kAdmin)) return std::move(*r);
  std::size_t removed = 0;
  state.edit_library([&](LibraryEdits& edits, const Library& library) {
    for (const ShopFile& f : library.files()) {
      if (library.missing_on_disk(f) &&
          edits.deleted_files.insert(FileKey{f.app_id, f.version}).second) {
        ++removed;
      }
    }
    return removed > 0;
  });
  const std::string n = std::to_string(removed);
  const std::string data = "{\"deleted_apps\":" + n + ",\"deleted_files\":" + n + ",\"errors\":[]}";
  return with_vary(json_ok(success_body(data, n + " arquivos deletados do disco removidos. " + n +
                                                  " registros órfãos removidos."),
                           req.version()));
}

// POST /api/library/metadata/refresh/{tid} (refresh_game_metadata). The app queues a Celery
// task that looks the id up exactly (filter_by), so only the stored upper-case id changes;
// the stub applies it before answering.
Reply refresh_metadata(StubState& state, const Request& req, std::string_view tid) {
  if (auto r = post_guard(state, req, Access::kShop)) return std::move(*r);
  const unsigned v = req.version();
  if (state.library()->find(tid) == nullptr) {
    return with_vary(
        app_error(http::status::not_found, "NOT_FOUND", "Game not found not found", v));
  }
  state.edit_library([&](LibraryEdits& edits, const Library& library) {
    const Title* t = library.find(tid);
    if (t == nullptr || t->title_id != tid) return false;
    ++edits.metadata_fetches[t->title_id];
    return true;
  });
  return with_vary(json_ok(
      success_body("{\"title_id\":" + route::json_string(tid) + "}", "Metadata refresh queued"),
      v));
}

// The RAWG game of `rawg_id` (RAWGClient.get_game_details): a positive integer, as a number
// or digits; nullopt where RAWG would not answer.
std::optional<std::int64_t> rawg_game(const rapidjson::Value& rawg_id) {
  if (rawg_id.IsInt64())
    return rawg_id.GetInt64() > 0 ? std::optional(rawg_id.GetInt64()) : std::nullopt;
  if (!rawg_id.IsString()) return std::nullopt;
  const std::string_view s(rawg_id.GetString(), rawg_id.GetStringLength());
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (ec != std::errc{} || end != s.data() + s.size() || id <= 0) return std::nullopt;
  return id;
}

std::string rawg_name(std::int64_t id) {
  const std::uint64_t h = render::mix(static_cast<std::uint64_t>(id), 0x4A36);
  return std::string(render::kAdjectives[h % render::kAdjectives.size()]) + " " +
         render::kNouns[(h >> 8) % render::kNouns.size()];
}

// POST /api/library/match-rawg (match_rawg_api). Its errors answer 400 (error_response's
// default status), whatever their code.
Reply match_rawg(StubState& state, const Request& req) {
  if (auto r = post_guard(state, req, Access::kAdmin)) return std::move(*r);
  const unsigned v = req.version();
  const auto data = route::request_json(req);
  if (!data || !data->IsObject()) return internal_error(req);
  const rapidjson::Value* title_id = member(*data, "title_id");
  const rapidjson::Value* rawg_id = member(*data, "rawg_id");
  if (title_id == nullptr || rawg_id == nullptr || !route::truthy(*title_id) ||
      !route::truthy(*rawg_id)) {
    return with_vary(
        app_error(http::status::bad_request, "INVALID_PARAMS", "title_id and rawg_id required", v));
  }
  const auto game = rawg_game(*rawg_id);
  if (!game) {
    return with_vary(app_error(http::status::bad_request, "INTERNAL_ERROR",
                               "Failed to fetch RAWG game details", v));
  }
  if (!title_id->IsString()) return internal_error(req);  // title_id.upper()
  const std::string tid = title_id->GetString();
  const bool matched = state.edit_library([&](LibraryEdits& edits, const Library& library) {
    const Title* t = library.find(tid);
    if (t == nullptr) return false;
    edits.rawg_ids[t->title_id] = *game;
    return true;
  });
  if (!matched) {
    return with_vary(
        app_error(http::status::bad_request, "NOT_FOUND", "Title " + tid + " not found", v));
  }
  const std::string body = "{\"name\":" + route::json_string(rawg_name(*game)) +
                           ",\"rawg_id\":" + route::to_json(*rawg_id) +
                           ",\"title_id\":" + route::json_string(tid) + "}";
  return with_vary(json_ok(success_body(body, ""), v));
}

// POST /api/system/metadata/fetch (trigger_metadata_fetch, Celery path): the job runs unless
// it is not forced and a fetch completed in the last 12 hours.
Reply metadata_fetch(StubState& state, const Request& req) {
  if (auto r = post_guard(state, req, Access::kAdmin)) return std::move(*r);
  const auto data = route::request_json(req);  // request.json or {}
  if (!data || (route::truthy(*data) && !data->IsObject())) return internal_error(req);
  const rapidjson::Value* force = member(*data, "force");
  if ((force != nullptr && route::truthy(*force)) ||
      state.metadata_fetch_due(std::chrono::system_clock::now())) {
    const std::int64_t log_id = state.begin_metadata_fetch();
    state.events().start_job(JobKind::kMetadataFetchAll,
                             py::object({{"fetch_log_id", py::number(log_id)}}));
  }
  return with_vary(
      json_ok(success_body("", "Metadata fetch queued in background (Celery)"), req.version()));
}

// POST /api/library/metadata/refresh-all and /api/settings/titledb/update: no body read.
Reply start_job(StubState& state, const Request& req, JobKind kind) {
  if (auto r = post_guard(state, req, Access::kAdmin)) return std::move(*r);
  const bool titledb = kind == JobKind::kTitleDbUpdate;
  state.events().start_job(kind, titledb ? py::object({{"force", py::boolean(true)}}) : "{}");
  return with_vary(json_ok(success_body("", titledb ? "Update started in background"
                                                    : "Metadata refresh queued for all games"),
                           req.version()));
}

}  // namespace

std::optional<Reply> maintenance_route(StubState& state, const Request& req, std::string_view path,
                                       const QueryParams&) {
  if (auto id = int_segment_after(path, "/api/files/delete/")) return delete_file(state, req, *id);
  if (path == "/api/cleanup/orphaned") return cleanup_orphaned(state, req);
  if (path == "/api/library/metadata/refresh-all") {
    return start_job(state, req, JobKind::kMetadataFetch);
  }
  if (auto tid = segment_after(path, "/api/library/metadata/refresh/")) {
    return refresh_metadata(state, req, *tid);
  }
  if (path == "/api/library/match-rawg") return match_rawg(state, req);
  if (path == "/api/system/metadata/fetch") return metadata_fetch(state, req);
  if (path == "/api/settings/titledb/update") return start_job(state, req, JobKind::kTitleDbUpdate);
  return std::nullopt;
}

}  // namespace foilcache::stub
