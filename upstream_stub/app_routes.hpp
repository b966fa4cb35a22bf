// The route groups handle_request dispatches to (internal to upstream_stub/). Each takes
// the request with its body, the path (no query) and the decoded query; the *_route ones
// return nullopt when `path` is none of theirs. All are pure apart from StubState (and the
// EventSink it announces through).
//
//   user_routes.cpp    the caller's own state: ignore toggles and their GETs, the wishlist,
//                      GET /api/library
//   admin_routes.cpp   shared state: tags, custom game info, shop settings
//   maintenance_routes.cpp  file deletion, orphan cleanup, metadata refresh, RAWG match,
//                      the background jobs
//   settings_routes.cpp  settings that change what the reads show: title settings and
//                      TitleDB sources, library paths, keys, renaming, re-identification,
//                      backup restore
//   account_routes.cpp who may call: users, API tokens, password changes
//   image_proxy.cpp    GET /api/image_proxy from local data
//   control_routes.cpp /__stub/* test control
#pragma once

#include <initializer_list>
#include <optional>
#include <string_view>
#include <variant>

#include "upstream_stub/stub_handlers.hpp"

namespace foilcache::stub {

using Request = http::request<http::string_body>;

std::optional<Reply> user_route(StubState& state, const Request& req, std::string_view path,
                                const QueryParams& query);
std::optional<Reply> maintenance_route(StubState& state, const Request& req,
                                       std::string_view path, const QueryParams& query);
std::optional<Reply> admin_route(StubState& state, const Request& req, std::string_view path,
                                 const QueryParams& query);
std::optional<Reply> settings_route(StubState& state, const Request& req, std::string_view path);
std::optional<Reply> account_route(StubState& state, const Request& req, std::string_view path);
std::optional<Reply> image_proxy_route(StubState& state, const Request& req,
                                       std::string_view path, const QueryParams& query);
Reply control_route(StubState& state, const Request& req, std::string_view path,
                    const QueryParams& query);

// The image_proxy body: a valid PNG of exactly max(size, 82) bytes whose padding (a private
// ancillary "stUb" chunk) is filled from `seed`.
std::string stub_png(std::uint64_t seed, std::size_t size);

// ---- shared by the route files (user_routes.cpp) ----

// A reply with `res` and the Vary: Cookie every /api answer of the app carries.
Reply with_vary(http::response<http::string_body> res);
// The one path segment after `prefix` (Flask's default converter), or nullopt.
std::optional<std::string_view> segment_after(std::string_view path, std::string_view prefix);
// Flask's <int:id>: the segment after `prefix` when it is all digits (at most 18).
std::optional<std::int64_t> int_segment_after(std::string_view path, std::string_view prefix);
// access_required(access) in v2.5.0: the user, or the 401/403 reply to send instead.
std::variant<const StubUser*, Reply> app_access(StubState& state, const Request& req,
                                                Access access);
// handle_api_errors' 500 for an exception in the route, with the Vary of every answer.
Reply app_failure(const Request& req);
// The head of a route with access_required(access): the 405 when the method is none of
// `methods` (their names are the Allow header), else the 401/403, else nullopt (go on).
std::optional<Reply> write_guard(StubState& state, const Request& req,
                                 std::initializer_list<http::verb> methods, Access access);

}  // namespace foilcache::stub
