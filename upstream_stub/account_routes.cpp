// Who may call (routes/settings.py users and tokens, auth.py change_password): listing,
// creating and deleting users, listing, creating and revoking API tokens, changing one's
// password. The stub's
// token of a user is "token-<name>" (one per user, its id the user's id); a revoked one is
// refused until a new one is created. A deleted user's session, Basic and Bearer
// credentials are all refused from the answer on.
#include <algorithm>

#include "upstream_stub/app_routes.hpp"
#include "upstream_stub/route_util.hpp"

namespace foilcache::stub {
namespace {

using route::app_error;
using route::json_ok;
using route::json_string;
using route::member;

Reply failed(http::status status, std::string_view code, std::string_view message,
             const Request& req) {
  return with_vary(app_error(status, code, message, req.version()));
}

// current_user.id: the session's user, or the Bearer token's (access_required logs it in);
// nullptr with Basic, which leaves current_user anonymous.
const StubUser* current_user(StubState& state, const Request& req) {
  const AuthResult auth = access_required(req, state.accounts(), Access::kShop);
  if (auth.kind != AuthResult::Kind::kOk || auth.via == AuthResult::Via::kBasic) {
    return session_user(req, state.accounts());
  }
  return auth.user;
}

std::string user_json(const StubUser& u) {
  return std::string("{\"admin_access\":") + (u.admin ? "true" : "false") +
         ",\"backup_access\":false,\"id\":" + std::to_string(u.id) +
         ",\"shop_access\":" + (u.shop ? "true" : "false") + ",\"user\":" + json_string(u.name) +
         "}";
}

// GET /api/users and GET /api/settings/tokens: the accounts, the live tokens.
Reply list_accounts(StubState& state, const Request& req, bool tokens) {
  std::vector<std::string> items;
  for (const StubUser& u : state.accounts()) {
    if (!tokens) {
      items.push_back(user_json(u));
      continue;
    }
    if (!u.token) continue;
    const std::string token = "token-" + u.name;
    std::string item = "{\"created_at\":null,\"id\":" + std::to_string(u.id);
    item += ",\"last_used\":null,\"name\":" + json_string(token);
    const std::string prefix = token.size() > 8 ? token.substr(0, 8) : token;
    item += ",\"prefix\":" + json_string(prefix + "...");
    item += ",\"user_id\":" + std::to_string(u.id) + ",\"user_name\":" + json_string(u.name) + "}";
    items.push_back(std::move(item));
  }
  std::string list;
  for (const std::string& item : items) list += (list.empty() ? "" : ",") + item;
  return with_vary(json_ok(success_body("[" + list + "]", ""), req.version()));
}

// POST /api/user (create_user_api). A name already taken fails the unique constraint.
Reply create_user(StubState& state, const Request& req) {
  const auto data = route::request_json(req);
  if (!data || !data->IsObject()) return app_failure(req);
  const auto* name = member(*data, "user");
  const auto* password = member(*data, "password");
  if (name == nullptr || !route::truthy(*name) || password == nullptr || !route::truthy(*password)) {
    return failed(http::status::bad_request, "INTERNAL_ERROR", "Username and password are required", req);
  }
  if (!name->IsString() || !password->IsString()) return app_failure(req);
  auto flag = [&](std::string_view key) {
    const auto* v = member(*data, key);
    return v != nullptr && route::truthy(*v);
  };
  StubUser created{name->GetString(), password->GetString(), flag("shop_access"), flag("admin_access"),
                   /*token=*/false};
  const bool added = state.edit_accounts([&](std::vector<StubUser>& users) {
    if (std::any_of(users.begin(), users.end(), [&](const StubUser& u) { return u.name == created.name; })) {
      return false;
    }
    std::int64_t last = 0;
    for (const StubUser& u : users) last = std::max(last, u.id);
    created.id = last + 1;
    users.push_back(created);
    return true;
  });
  if (!added) return app_failure(req);
  return with_vary(json_ok(success_body("{\"user\":" + user_json(created) + "}", "User created"), req.version()));
}

// DELETE /api/user {user_id} (delete_user_api).
Reply delete_user(StubState& state, const Request& req) {
  const auto data = route::request_json(req);
  if (!data || !data->IsObject()) return app_failure(req);
  const auto* id_value = member(*data, "user_id");
  if (id_value == nullptr || !route::truthy(*id_value)) {
    return failed(http::status::bad_request, "INTERNAL_ERROR", "user_id is required", req);
  }
  std::int64_t id = 0;
  if (id_value->IsInt64()) {
    id = id_value->GetInt64();
  } else if (const auto parsed = id_value->IsString() ? python_int(id_value->GetString()) : std::nullopt) {
    id = *parsed;
  } else {
    // int(user_id) raises ValueError: handle_api_errors answers 400 with its text.
    return failed(http::status::bad_request, "VALIDATION_ERROR",
                  "invalid literal for int() with base 10: " + route::to_json(*id_value), req);
  }
  const StubUser* me = current_user(state, req);
  if (me == nullptr) return app_failure(req);  // current_user.id on the anonymous user
  if (id == me->id) return failed(http::status::bad_request, "INTERNAL_ERROR", "Cannot delete yourself", req);
  const bool deleted = state.edit_accounts([&](std::vector<StubUser>& users) {
    return std::erase_if(users, [&](const StubUser& u) { return u.id == id; }) > 0;
  });
  if (!deleted) return failed(http::status::not_found, "NOT_FOUND", "User not found", req);
  return with_vary(json_ok(success_body("", "User deleted"), req.version()));
}

// POST /api/settings/tokens {name, user_id?} (create_token_api): the token's user is
// user_id, else the caller (session or token; nobody with Basic: the insert then fails).
Reply create_token(StubState& state, const Request& req) {
  const auto data = route::request_json(req);
  if (!data || !data->IsObject()) return app_failure(req);
  const auto* name = member(*data, "name");
  const auto* user_id = member(*data, "user_id");
  std::int64_t id = 0;
  if (user_id != nullptr && route::truthy(*user_id)) {
    if (!user_id->IsInt64()) return app_failure(req);
    id = user_id->GetInt64();
  } else if (const StubUser* me = current_user(state, req)) {
    id = me->id;
  }
  if (name == nullptr || !route::truthy(*name)) {
    return failed(http::status::bad_request, "INTERNAL_ERROR", "Name is required", req);
  }
  if (!name->IsString()) return app_failure(req);
  std::string token;
  const bool created = state.edit_accounts([&](std::vector<StubUser>& users) {
    for (StubUser& u : users) {
      if (u.id != id) continue;
      u.token = true;
      token = "token-" + u.name;
      return true;
    }
    return false;  // no such user: the foreign key fails
  });
  if (!created) return app_failure(req);
  return with_vary(json_ok(success_body("{\"id\":" + std::to_string(id) + ",\"name\":" +
                                            json_string(name->GetString()) +
                                            ",\"token\":" + json_string(token) + "}",
                                        "Token created"),
                           req.version()));
}

// DELETE /api/settings/tokens/{id} (delete_token_api).
Reply revoke_token(StubState& state, const Request& req, std::int64_t id) {
  const bool revoked = state.edit_accounts([&](std::vector<StubUser>& users) {
    for (StubUser& u : users) {
      if (u.id != id || !u.token) continue;
      u.token = false;
      return true;
    }
    return false;
  });
  if (!revoked) return failed(http::status::not_found, "NOT_FOUND", "Token not found", req);
  return with_vary(json_ok(success_body("", "Token revoked"), req.version()));
}

// POST /api/change_password (login_required: a session; anything else is redirected to
// the login page). Its wrong-password answer is error_response's default status, 400.
Reply change_password(StubState& state, const Request& req) {
  if (req.method() != http::verb::post) return with_vary(route::method_not_allowed("POST", req.version()));
  const StubUser* me = session_user(req, state.accounts());
  if (me == nullptr) return with_vary(route::login_redirect(req.target(), req.version()));
  const auto data = route::request_json(req);
  if (!data || !data->IsObject()) return app_failure(req);
  bool bad = false;
  const auto current = route::optional_string(member(*data, "current_password"), bad);
  const auto fresh = route::optional_string(member(*data, "new_password"), bad);
  const auto confirm = route::optional_string(member(*data, "confirm_password"), bad);
  if (bad) return app_failure(req);
  if (!current || current->empty() || !fresh || fresh->empty() || !confirm || confirm->empty()) {
    return failed(http::status::bad_request, "VALIDATION_ERROR", "Todos os campos são obrigatórios.", req);
  }
  if (*fresh != *confirm) {
    return failed(http::status::bad_request, "VALIDATION_ERROR", "As senhas não coincidem.", req);
  }
  if (*current != me->password) {
    return failed(http::status::bad_request, "UNAUTHORIZED", "Senha atual incorreta.", req);
  }
  const std::int64_t id = me->id;
  state.edit_accounts([&](std::vector<StubUser>& users) {
    for (StubUser& u : users) {
      if (u.id == id) u.password = *fresh;
    }
    return true;
  });
  return with_vary(json_ok(success_body("", "Senha alterada com sucesso!"), req.version()));
}

}  // namespace

std::optional<Reply> account_route(StubState& state, const Request& req, std::string_view path) {
  using http::verb;
  if (path == "/api/user") {
    if (auto r = write_guard(state, req, {verb::post, verb::delete_}, Access::kAdmin)) return std::move(*r);
    return req.method() == verb::post ? create_user(state, req) : delete_user(state, req);
  }
  if (path == "/api/users") {
    if (auto r = write_guard(state, req, {verb::get, verb::head}, Access::kAdmin)) return std::move(*r);
    return list_accounts(state, req, false);
  }
  if (path == "/api/settings/tokens") {
    if (auto r = write_guard(state, req, {verb::get, verb::head, verb::post}, Access::kAdmin)) {
      return std::move(*r);
    }
    if (req.method() != verb::post) return list_accounts(state, req, true);
    return create_token(state, req);
  }
  if (auto id = int_segment_after(path, "/api/settings/tokens/")) {
    if (auto r = write_guard(state, req, {verb::delete_}, Access::kAdmin)) return std::move(*r);
    return revoke_token(state, req, *id);
  }
  if (path == "/api/change_password") return change_password(state, req);
  return std::nullopt;
}

}  // namespace foilcache::stub
