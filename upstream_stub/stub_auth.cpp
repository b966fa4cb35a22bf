// MyFoil's two auth schemes: app/auth.py access_required (session cookie, Basic, Bearer)
// and middleware/auth.py tinfoil_access (Host/Hauth verification, then session or Basic),
// plus the header parsing they need.
#include "common/text.hpp"
#include "upstream_stub/render_util.hpp"
#include "upstream_stub/route_util.hpp"
#include "upstream_stub/stub_handlers.hpp"

namespace foilcache::stub {
namespace {

using render::lower;
using route::header;
using route::iequals;
using route::last_list_value;

const StubUser* find_user(const std::vector<StubUser>& users, std::string_view name) {
  for (const auto& u : users) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

bool has_access(const StubUser& user, Access access) {
  return access == Access::kAdmin ? user.admin : user.shop;
}

// middleware/auth.py basic_auth: (success, error, is_admin). The scheme is case-sensitive there.
struct BasicAuth {
  bool ok = false;
  std::string error;
  const StubUser* user = nullptr;
};
BasicAuth tinfoil_basic_auth(const http::fields& headers, const std::vector<StubUser>& users) {
  const std::string_view auth = header(headers, http::field::authorization);
  if (auth.substr(0, 6) != "Basic ")
    return {false, "Missing or invalid authorization header", nullptr};
  const auto decoded = base64_decode(auth.substr(6));
  const auto colon = decoded ? decoded->find(':') : std::string::npos;
  if (colon == std::string::npos) return {false, "Invalid authorization header format", nullptr};
  const StubUser* user = find_user(users, std::string_view(*decoded).substr(0, colon));
  if (user == nullptr || user->password != std::string_view(*decoded).substr(colon + 1)) {
    return {false, "Invalid username or password", nullptr};
  }
  if (!user->shop) return {false, "User does not have shop access", nullptr};
  return {true, "", user};
}

}  // namespace

std::string base64_encode(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const auto n = (static_cast<unsigned char>(data[i]) << 16) |
                   (static_cast<unsigned char>(data[i + 1]) << 8) |
                   static_cast<unsigned char>(data[i + 2]);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63],
            kAlphabet[n & 63]};
  }
  if (i + 1 == data.size()) {
    const auto n = static_cast<unsigned char>(data[i]) << 16;
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == data.size()) {
    const auto n = (static_cast<unsigned char>(data[i]) << 16) |
                   (static_cast<unsigned char>(data[i + 1]) << 8);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else
      return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if (bits >= 6) return std::nullopt;  // a lone trailing character encodes no byte
  return out;
}

const StubUser* session_user(const http::fields& headers, const std::vector<StubUser>& users) {
  auto [begin, end] = headers.equal_range(http::field::cookie);
  for (auto it = begin; it != end; ++it) {
    std::string_view rest = it->value();
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      const std::string_view pair = common::trim_ows(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      const auto eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      const std::string_view name = pair.substr(0, eq);
      const std::string_view value = pair.substr(eq + 1);
      std::string_view prefix;
      if (name == "session")
        prefix = "sess-";
      else if (name == "remember_token")
        prefix = "remember-";
      else
        continue;
      if (value.substr(0, prefix.size()) != prefix) continue;
      if (const StubUser* u = find_user(users, value.substr(prefix.size()))) return u;
    }
  }
  return nullptr;
}

std::optional<std::pair<std::string, std::string>> basic_credentials(const http::fields& headers) {
  const std::string_view auth = common::trim_ows(header(headers, http::field::authorization));
  const auto space = auth.find(' ');
  if (space == std::string_view::npos || !iequals(auth.substr(0, space), "Basic"))
    return std::nullopt;
  const auto decoded = base64_decode(common::trim_ows(auth.substr(space + 1)));
  if (!decoded) return std::nullopt;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::make_pair(decoded->substr(0, colon), decoded->substr(colon + 1));
}

AuthResult access_required(const http::fields& headers, const std::vector<StubUser>& users,
                           Access access) {
  using Kind = AuthResult::Kind;
  using Via = AuthResult::Via;
  if (const StubUser* u = session_user(headers, users)) {
    return has_access(*u, access) ? AuthResult{Kind::kOk, u, Via::kSession}
                                  : AuthResult{Kind::kForbidden, nullptr};
  }
  if (const auto basic = basic_credentials(headers)) {
    const StubUser* u = find_user(users, basic->first);
    // app/auth.py basic_auth also fails users without shop access.
    if (u != nullptr && u->password == basic->second && u->shop) {
      return has_access(*u, access) ? AuthResult{Kind::kOk, u, Via::kBasic}
                                    : AuthResult{Kind::kForbidden, nullptr};
    }
  }
  const std::string_view auth = header(headers, http::field::authorization);
  if (auth.substr(0, 7) == "Bearer ") {
    const std::string_view token = common::trim_ows(auth.substr(7));
    if (token.substr(0, 6) == "token-") {
      const StubUser* u = find_user(users, token.substr(6));
      if (u != nullptr && u->token) {
        return has_access(*u, access) ? AuthResult{Kind::kOk, u, Via::kBearer}
                                      : AuthResult{Kind::kForbidden, nullptr};
      }
    }
  }
  return {Kind::kUnauthorized, nullptr};
}

std::string request_host(const http::fields& headers, std::string_view fallback) {
  const std::string_view forwarded = last_list_value(header(headers, "X-Forwarded-Host"));
  if (!forwarded.empty()) return std::string(forwarded);
  const std::string_view host = common::trim_ows(header(headers, http::field::host));
  return std::string(host.empty() ? fallback : host);
}

std::string forwarded_proto(const http::fields& headers) {
  const std::string_view proto = last_list_value(header(headers, "X-Forwarded-Proto"));
  return proto.empty() ? "http" : lower(proto);
}

std::string shop_scheme(const http::fields& headers) {
  const std::string_view proto = last_list_value(header(headers, "X-Forwarded-Proto"));
  if (!proto.empty()) return lower(proto);
  // Cf-Visitor: {"scheme":"https"}
  const std::string_view visitor = header(headers, "Cf-Visitor");
  const auto key = visitor.find("\"scheme\"");
  if (key != std::string_view::npos) {
    const auto open = visitor.find('"', visitor.find(':', key + 8));
    const auto close = open == std::string_view::npos ? open : visitor.find('"', open + 1);
    if (close != std::string_view::npos && close > open + 1) {
      return lower(visitor.substr(open + 1, close - open - 1));
    }
  }
  return "http";
}

TinfoilResult tinfoil_access(StubState& state, const http::fields& headers, std::string_view path) {
  const ShopSettings shop = state.shop();
  TinfoilResult result;
  std::optional<bool> auth_success;
  std::string auth_error;
  // Tinfoil sends Hauth for directories only, so downloads skip host verification.
  const bool verify =
      path.find("/api/get_game") == std::string_view::npos && forwarded_proto(headers) == "https";
  if (verify && !shop.host.empty()) {
    const std::string host = request_host(headers, "");
    const std::string expected_hauth = state.shop_hauth();
    const auto hauth_it = headers.find("Hauth");
    if (host != shop.host) {
      result.error = "Incorrect URL `" + host + "`.";
      return result;
    }
    if (expected_hauth.empty()) {
      // The app stores the Hauth of the first admin who connects over the verified host.
      const BasicAuth basic = tinfoil_basic_auth(headers, state.accounts());
      auth_success = basic.ok;
      auth_error = basic.error;
      if (basic.ok && basic.user->admin && hauth_it != headers.end()) {
        state.set_shop_hauth(std::string(hauth_it->value()));
      }
    } else if (hauth_it == headers.end() || hauth_it->value() != expected_hauth) {
      result.error = "Incorrect Hauth for URL `" + host + "`.";
      return result;
    } else {
      result.verified_host = shop.host;
    }
  }
  if (!shop.public_shop) {
    if (!auth_success) {
      const StubUser* session = session_user(headers, state.accounts());
      if (session != nullptr && session->shop) {
        auth_success = true;
      } else {
        const BasicAuth basic = tinfoil_basic_auth(headers, state.accounts());
        auth_success = basic.ok;
        auth_error = basic.error;
      }
    }
    if (!*auth_success) {
      result.error = auth_error;
      return result;
    }
  }
  result.ok = true;
  return result;
}

}  // namespace foilcache::stub
