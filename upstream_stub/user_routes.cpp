// The caller's own state (routes/library.py, routes/wishlist.py): the ignore toggles and
// their GETs, the wishlist, and GET /api/library, whose items carry the caller's flags.
// Every answer is the app's: status, error envelope, and 500 where the app raises (a body
// that is not JSON, a write through Basic auth, which leaves current_user anonymous).
#include <algorithm>
#include <variant>

#include "upstream_stub/app_routes.hpp"
#include "upstream_stub/render_util.hpp"
#include "upstream_stub/route_util.hpp"

namespace foilcache::stub {
namespace {

using route::app_error;
using route::json_ok;
using route::method_not_allowed;

constexpr std::string_view kLibraryIgnore = "/api/library/ignore/";
constexpr std::string_view kWishlist = "/api/wishlist";
constexpr std::string_view kWishlistIgnore = "/api/wishlist/ignore/";

Reply with(http::response<http::string_body> res) { return with_vary(std::move(res)); }

// access_required("shop") in front of a route that reads current_user: the user, or the
// reply to send instead.
std::variant<const StubUser*, Reply> shop_user(StubState& state, const Request& req) {
  const AuthResult auth = access_required(req, state.accounts(), Access::kShop);
  // Basic passes access_required without logging in: current_user.id raises.
  if (auth.kind == AuthResult::Kind::kOk && auth.via == AuthResult::Via::kBasic) {
    return with(route::app_internal_error(req.version()));
  }
  return app_access(state, req, Access::kShop);
}

// login_required: the session's user, or the redirect to /login.
std::variant<const StubUser*, Reply> login_user(StubState& state, const Request& req) {
  if (const StubUser* u = session_user(req, state.accounts())) return u;
  return with(route::login_redirect(req.target(), req.version()));
}

// The ignore toggle's body: {"type", "item_id", "ignored"}; nullopt for a 500.
struct Toggle {
  std::string type;
  std::optional<std::string> item_id;  // nullopt: missing or falsy
  bool ignored = false;
  bool type_given = false;
  bool unhashable = false;  // a list or object item_id: dlcs[item_id] raises TypeError
};
std::optional<Toggle> parse_toggle(const Request& req) {
  const auto doc = route::request_json(req);
  if (!doc) return std::nullopt;
  Toggle t;
  if (!route::truthy(*doc)) return t;         // request.json or {}
  if (!doc->IsObject()) return std::nullopt;  // data.get on a list
  const rapidjson::Value* type = route::member(*doc, "type");
  const rapidjson::Value* item = route::member(*doc, "item_id");
  const rapidjson::Value* ignored = route::member(*doc, "ignored");
  t.type_given = type != nullptr && route::truthy(*type);
  if (t.type_given) t.type = type->IsString() ? type->GetString() : route::to_json(*type);
  if (item != nullptr && route::truthy(*item)) {
    t.unhashable = item->IsArray() || item->IsObject();
    t.item_id = item->IsString() ? item->GetString() : route::to_json(*item);
  }
  t.ignored = ignored != nullptr && route::truthy(*ignored);
  return t;
}

// POST /api/library/ignore/{tid} (library_ignore_api) and /api/wishlist/ignore/{tid}.
Reply toggle_ignore(StubState& state, const Request& req, const StubUser& user,
                    std::string_view tid, bool wishlist) {
  const unsigned v = req.version();
  const auto toggle = parse_toggle(req);
  if (!toggle) return with(route::app_internal_error(v));
  const std::string_view code = wishlist ? "INVALID_PARAMS" : "VALIDATION_ERROR";
  if (!toggle->type_given || !toggle->item_id) {
    return with(app_error(http::status::bad_request, code, "type and item_id are required", v));
  }
  const bool dlc = toggle->type == "dlc";
  if (!dlc && (wishlist || toggle->type != "update")) {
    return with(app_error(
        http::status::bad_request, code,
        wishlist ? "Only dlc type is supported for ignore" : "type must be \"dlc\" or \"update\"",
        v));
  }
  // The app looks the record up (or creates it) and then raises on the dict assignment.
  if (toggle->unhashable) return with(route::app_internal_error(v));
  const std::string title_id = render::upper(tid);
  const auto library = state.library();
  state.users().set_ignore(user.name, title_id, library->find(title_id),
                           dlc ? IgnoreType::kDlc : IgnoreType::kUpdate, *toggle->item_id,
                           toggle->ignored);
  return with(json_ok(
      success_body("", wishlist ? "Ignore preference updated" : "Ignore preferences updated"), v));
}

Reply ignore_route(StubState& state, const Request& req, std::string_view tid, bool wishlist) {
  const unsigned v = req.version();
  const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
  if (!get && req.method() != http::verb::post) {
    return with(method_not_allowed("GET, HEAD, POST", v));
  }
  auto who = wishlist ? login_user(state, req) : shop_user(state, req);
  if (auto* reply = std::get_if<Reply>(&who)) return std::move(*reply);
  const StubUser& user = *std::get<const StubUser*>(who);
  if (!get) return toggle_ignore(state, req, user, tid, wishlist);
  const std::string title_id = render::upper(tid);
  const IgnoreRecord record =
      state.users().ignore_record(user.name, title_id, state.library()->find(title_id));
  return with(json_ok(render_ignore_record(record, !wishlist), v));
}

// POST /api/wishlist's fields; nullopt for a 500 (no JSON object, a non-string field).
std::optional<WishlistInput> parse_wishlist(const Request& req) {
  const auto doc = route::request_json(req);
  if (!doc || !doc->IsObject()) return std::nullopt;
  bool bad = false;
  auto field = [&](std::string_view name) {
    return route::optional_string(route::member(*doc, name), bad);
  };
  WishlistInput in{field("title_id"), field("name"),       field("release_date"),
                   field("icon_url"), field("banner_url"), field("description"),
                   field("genres"),   field("screenshots")};
  if (bad) return std::nullopt;
  return in;
}

Reply add_wishlist(StubState& state, const Request& req, const StubUser& user) {
  const unsigned v = req.version();
  auto input = parse_wishlist(req);
  if (!input) return with(route::app_internal_error(v));
  const auto library = state.library();
  switch (state.users().add_wishlist(user.name, std::move(*input), *library,
                                     std::chrono::system_clock::now())) {
    case WishlistAdd::kMissingName:
      return with(app_error(http::status::bad_request, "INVALID_PARAMS",
                            "Nome ou title_id é obrigatório", v));
    case WishlistAdd::kDuplicate:
      return with(app_error(http::status::bad_request, "CONFLICT", "Jogo já está na wishlist", v));
    case WishlistAdd::kOwned:
      return with(
          app_error(http::status::bad_request, "CONFLICT", "Jogo já está na sua biblioteca", v));
    case WishlistAdd::kAdded:
      break;
  }
  return with(json_ok(success_body("", "Jogo adicionado à wishlist"), v));
}

Reply wishlist_route(StubState& state, const Request& req) {
  const unsigned v = req.version();
  const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
  if (!get && req.method() != http::verb::post) {
    return with(method_not_allowed("GET, HEAD, POST", v));
  }
  auto who = login_user(state, req);
  if (auto* reply = std::get_if<Reply>(&who)) return std::move(*reply);
  const StubUser& user = *std::get<const StubUser*>(who);
  if (!get) return add_wishlist(state, req, user);
  const auto library = state.library();
  return with(json_ok(render_wishlist(state.users().wishlist(user.name, *library)), v));
}

// PUT (a no-op in the app) and DELETE /api/wishlist/{identifier}.
Reply wishlist_item_route(StubState& state, const Request& req, std::string_view identifier) {
  const unsigned v = req.version();
  const bool del = req.method() == http::verb::delete_;
  if (!del && req.method() != http::verb::put) return with(method_not_allowed("DELETE, PUT", v));
  auto who = login_user(state, req);
  if (auto* reply = std::get_if<Reply>(&who)) return std::move(*reply);
  if (!del) return with(json_ok(success_body("", "Item atualizado"), v));
  const auto removed =
      state.users().remove_wishlist(std::get<const StubUser*>(who)->name, identifier);
  if (!removed) {
    return with(app_error(http::status::not_found, "NOT_FOUND", "Wishlist item not found", v));
  }
  return with(json_ok(
      success_body("{\"id\":" + std::to_string(*removed) + "}", "Item removido da wishlist"), v));
}

// GET /api/library (library_api): the app's ETag is the library hash, global although the
// body is per user; its own 304 check compares If-None-Match to the bare hash, so a quoted
// validator never matches.
Reply library_route(StubState& state, const Request& req, const QueryParams& query) {
  const unsigned v = req.version();
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    return with(method_not_allowed("GET, HEAD", v));
  }
  auto who = app_access(state, req, Access::kShop);
  if (auto* reply = std::get_if<Reply>(&who)) return std::move(*reply);
  const auto library = state.library();
  if (route::header(req, http::field::if_none_match) == library->hash()) {
    return with(make_response(http::status::not_modified, "", "text/html; charset=utf-8", v));
  }
  PagedBody page =
      render_library(*library, query, state.users().ignores(std::get<const StubUser*>(who)->name));
  Reply reply = with(json_ok(std::move(page.body), v));
  reply.response.set(http::field::etag, "\"" + library->hash() + "\"");
  reply.response.set("X-Total-Count", std::to_string(page.total_items));
  reply.response.set("X-Page", std::to_string(page.page));
  reply.response.set("X-Per-Page", std::to_string(page.per_page));
  reply.response.set("X-Total-Pages", std::to_string(page.total_pages));
  reply.latency = LatencyClass::kLibrary;
  return reply;
}

}  // namespace

Reply with_vary(http::response<http::string_body> res) {
  Reply reply;
  reply.response = std::move(res);
  reply.response.set(http::field::vary, "Cookie");
  return reply;
}

std::optional<std::string_view> segment_after(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix) || path.size() == prefix.size()) return std::nullopt;
  const std::string_view rest = path.substr(prefix.size());
  if (rest.find('/') != std::string_view::npos) return std::nullopt;
  return rest;
}

std::optional<std::int64_t> int_segment_after(std::string_view path, std::string_view prefix) {
  const auto digits = segment_after(path, prefix);
  if (!digits || digits->size() > 18) return std::nullopt;
  std::int64_t value = 0;
  for (const char c : *digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::variant<const StubUser*, Reply> app_access(StubState& state, const Request& req,
                                                Access access) {
  const AuthResult auth = access_required(req, state.accounts(), access);
  if (auth.kind == AuthResult::Kind::kUnauthorized) {
    return with_vary(route::app_unauthorized(req.version()));
  }
  if (auth.kind == AuthResult::Kind::kForbidden) {
    return with_vary(route::app_forbidden(req.version()));
  }
  return auth.user;
}

Reply app_failure(const Request& req) { return with_vary(route::app_internal_error(req.version())); }

std::optional<Reply> write_guard(StubState& state, const Request& req,
                                 std::initializer_list<http::verb> methods, Access access) {
  if (std::find(methods.begin(), methods.end(), req.method()) == methods.end()) {
    std::string allow;
    for (const http::verb m : methods) allow += (allow.empty() ? "" : ", ") + std::string(http::to_string(m));
    return with_vary(method_not_allowed(allow, req.version()));
  }
  auto who = app_access(state, req, access);
  if (auto* reply = std::get_if<Reply>(&who)) return std::move(*reply);
  return std::nullopt;
}

std::optional<Reply> user_route(StubState& state, const Request& req, std::string_view path,
                                const QueryParams& query) {
  if (path == "/api/library") return library_route(state, req, query);
  if (auto tid = segment_after(path, kLibraryIgnore)) return ignore_route(state, req, *tid, false);
  if (auto tid = segment_after(path, kWishlistIgnore)) return ignore_route(state, req, *tid, true);
  if (path == kWishlist) return wishlist_route(state, req);
  if (auto id = segment_after(path, std::string(kWishlist) + "/")) {
    return wishlist_item_route(state, req, *id);
  }
  return std::nullopt;
}

}  // namespace foilcache::stub
