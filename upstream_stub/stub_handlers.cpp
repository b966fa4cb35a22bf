#include "upstream_stub/stub_handlers.hpp"
#include "common/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <random>

namespace foilcache::stub {
namespace {

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kRealm = "Basic realm=\"MyFoil\"";
constexpr std::string_view kAppCacheControl = "public, max-age=300";  // library_paged_api
constexpr std::size_t kEncryptedKeyBytes = 256;  // RSA-2048 wrapped AES key in Tinfoil's format
constexpr std::size_t kAesBlock = 16;
constexpr int kEngineIoPingInterval = 20000;  // app_factory.py: ping_interval=20
constexpr int kEngineIoPingTimeout = 120000;  // ping_timeout=120
constexpr int kEngineIoMaxPayload = 1000000;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool icontains(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](char x, char y) {
                       return std::tolower(static_cast<unsigned char>(x)) ==
                              std::tolower(static_cast<unsigned char>(y));
                     }) != haystack.end();
}

std::string_view header(const http::fields& headers, std::string_view name) {
  auto it = headers.find(name);
  return it == headers.end() ? std::string_view{} : std::string_view(it->value());
}

std::string_view header(const http::fields& headers, http::field name) {
  auto it = headers.find(name);
  return it == headers.end() ? std::string_view{} : std::string_view(it->value());
}

bool has_header(const http::fields& headers, std::string_view name) {
  return headers.find(name) != headers.end();
}

// The last element of a comma-separated header, as ProxyFix with one trusted hop reads it.
std::string_view last_list_value(std::string_view value) {
  const auto comma = value.rfind(',');
  return common::trim_ows(comma == std::string_view::npos ? value : value.substr(comma + 1));
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

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

std::string engine_io_open(std::string_view sid, bool polling) {
  std::string out = "0{\"sid\":\"";
  out += sid;
  out += polling ? "\",\"upgrades\":[\"websocket\"]" : "\",\"upgrades\":[]";
  out += ",\"pingInterval\":" + std::to_string(kEngineIoPingInterval) +
         ",\"pingTimeout\":" + std::to_string(kEngineIoPingTimeout) +
         ",\"maxPayload\":" + std::to_string(kEngineIoMaxPayload) + "}";
  return out;
}

namespace {

bool is_api(std::string_view path) { return path.substr(0, 5) == "/api/"; }

http::response<http::string_body> not_found(std::string_view path, unsigned version) {
  if (is_api(path)) {
    return make_response(http::status::not_found, error_body("NOT_FOUND", "Resource not found"),
                         kJson, version);
  }
  return make_response(http::status::not_found,
                       "<!doctype html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n",
                       "text/html; charset=utf-8", version);
}

http::response<http::string_body> method_not_allowed(std::string_view allow, unsigned version) {
  auto res = make_response(http::status::method_not_allowed,
                           "<!doctype html>\n<title>405 Method Not Allowed</title>\n"
                           "<h1>Method Not Allowed</h1>\n",
                           "text/html; charset=utf-8", version);
  res.set(http::field::allow, allow);
  return res;
}

http::response<http::string_body> unauthorized(unsigned version) {
  auto res = make_response(http::status::unauthorized,
                           tinfoil_error_body("Authentication required"), kJson, version);
  res.set(http::field::www_authenticate, kRealm);
  return res;
}

http::response<http::string_body> forbidden(unsigned version) {
  return make_response(http::status::forbidden, "Forbidden", "text/html; charset=utf-8", version);
}

http::response<http::string_body> json_ok(std::string body, unsigned version) {
  return make_response(http::status::ok, std::move(body), kJson, version);
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

// Tinfoil's encrypted index layout ("TINFOIL", flags 0xFD, wrapped key, size, payload) with
// a keystream in place of RSA/AES+zstd: same shape and per-response randomness, not
// decryptable by Tinfoil.
std::string fake_encrypt(StubState& state, const std::string& json) {
  std::string out = "TINFOIL";
  out.push_back(static_cast<char>(0xFD));
  const std::uint64_t key = state.next_random();
  for (std::size_t i = 0; i < kEncryptedKeyBytes; ++i) {
    out.push_back(static_cast<char>(splitmix(key + i) & 0xFF));
  }
  const std::uint64_t size = json.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((size >> (8 * i)) & 0xFF));
  const std::size_t padded = (json.size() / kAesBlock + 1) * kAesBlock;
  for (std::size_t i = 0; i < padded; ++i) {
    const char plain = i < json.size() ? json[i] : '\0';
    out.push_back(
        static_cast<char>(plain ^ static_cast<char>(splitmix(key ^ (i / 8)) >> (8 * (i % 8)))));
  }
  return out;
}

// ---- routes ----

Reply shop_index(StubState& state, const http::request<http::string_body>& req,
                 std::string_view path) {
  const StubOptions& opt = state.options();
  const unsigned v = req.version();
  const std::string_view ua = header(req, http::field::user_agent);
  const bool is_tinfoil = ua.find("Tinfoil") != std::string_view::npos ||
                          ua.find("NintendoSwitch") != std::string_view::npos;
  const bool tinfoil_headers =
      has_header(req, "Uid") || has_header(req, "Hauth") || has_header(req, "Version");
  const bool api_requested = path.ends_with(".json") ||
                             header(req, http::field::accept) == "application/json" ||
                             header(req, "X-Requested-With") == "XMLHttpRequest";
  Reply reply;
  if (!is_tinfoil && !tinfoil_headers && !api_requested) {
    // The web UI page; a private shop requires shop access first.
    if (!opt.shop_public) {
      const AuthResult auth = access_required(req, opt.users, Access::kShop);
      if (auth.kind == AuthResult::Kind::kUnauthorized) {
        reply.response = unauthorized(v);
        reply.response.set(http::field::vary, "Cookie");
        return reply;
      }
      if (auth.kind == AuthResult::Kind::kForbidden) {
        reply.response = forbidden(v);
        return reply;
      }
    }
    reply.response = make_response(http::status::ok,
                                   "<!doctype html>\n<html><head><title>Library</title></head>"
                                   "<body><div id=\"app\">MyFoil " +
                                       opt.build_version + "</div></body></html>\n",
                                   "text/html; charset=utf-8", v);
    reply.response.set(http::field::vary, "Cookie");
    return reply;
  }

  const TinfoilResult access = tinfoil_access(state, req, path);
  if (!access.ok) {
    reply.response = json_ok(tinfoil_error_body(access.error), v);
    reply.response.set(http::field::vary, "Cookie");
    return reply;
  }
  ShopView view;
  view.absolute_urls = opt.shop_absolute_urls;
  view.scheme = shop_scheme(req);
  view.host = request_host(req, opt.address + ":" + std::to_string(opt.port));
  view.basic = basic_credentials(req);
  view.lower_case_ids = icontains(ua, "cyber") || icontains(ua, "awoo");
  view.motd = opt.shop_motd;
  if (access.verified_host) view.referrer = "https://" + *access.verified_host;
  std::string body = render_shop_index(*state.library(), view, opt.game_size);
  if (opt.shop_encrypt) {
    reply.response =
        make_response(http::status::ok, fake_encrypt(state, body), "application/octet-stream", v);
  } else {
    reply.response = json_ok(std::move(body), v);
  }
  reply.response.set(http::field::vary, "Cookie");
  reply.latency = LatencyClass::kShop;
  return reply;
}

Reply stub_respond(const http::request<http::string_body>& req, const QueryParams& query,
                   const StubOptions& opt) {
  const unsigned v = req.version();
  Reply reply;
  auto bad = [&](std::string_view what) {
    reply.response =
        make_response(http::status::bad_request, error_body("VALIDATION_ERROR", what), kJson, v);
    return reply;
  };
  std::int64_t status = 200;
  if (auto s = query_first(query, "status")) {
    const auto parsed = python_int(*s);
    if (!parsed || *parsed < 200 || *parsed > 599) return bad("status must be 200..599");
    status = *parsed;
  }
  std::int64_t size = 0;
  if (auto s = query_first(query, "size")) {
    const auto parsed = python_int(*s);
    if (!parsed || *parsed < 0 || static_cast<std::uint64_t>(*parsed) > opt.respond_max_size) {
      return bad("size out of range");
    }
    size = *parsed;
  }
  if (auto s = query_first(query, "delay_ms")) {
    const auto parsed = python_int(*s);
    if (!parsed || *parsed < 0 || *parsed > opt.respond_max_delay.count()) {
      return bad("delay_ms out of range");
    }
    reply.delay = std::chrono::milliseconds{*parsed};
  }
  const auto st = static_cast<http::status>(status);
  const bool bodiless = status == 204 || status == 304;
  std::string body;
  if (!bodiless) {
    body.resize(static_cast<std::size_t>(size));
    for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  }
  const std::string content_type(
      query_first(query, "content_type").value_or("application/octet-stream"));
  reply.response = make_response(st, std::move(body), content_type, v);
  if (auto cc = query_first(query, "cache_control"))
    reply.response.set(http::field::cache_control, *cc);
  if (auto vary = query_first(query, "vary")) reply.response.set(http::field::vary, *vary);
  if (auto etag = query_first(query, "etag")) reply.response.set(http::field::etag, *etag);
  if (auto lm = query_first(query, "last_modified"))
    reply.response.set(http::field::last_modified, *lm);
  for (const auto& [k, value] : query) {
    if (k == "set_cookie") reply.response.insert(http::field::set_cookie, value);
    // Shows the test which request header reached the app: X-Echo-<Name>: value or "(absent)".
    if (k == "echo_header") {
      const auto it = req.find(value);
      reply.response.set("X-Echo-" + value, it == req.end() ? std::string("(absent)") : std::string(it->value()));
    }
    if (k == "header") {
      const auto colon = value.find(':');
      if (colon == std::string::npos || colon == 0) return bad("header must be Name: Value");
      reply.response.insert(common::trim_ows(std::string_view(value).substr(0, colon)),
                            common::trim_ows(std::string_view(value).substr(colon + 1)));
    }
  }
  return reply;
}

Reply stub_routes(StubState& state, const http::request<http::string_body>& req,
                  std::string_view path, const QueryParams& query) {
  const unsigned v = req.version();
  const auto method = req.method();
  Reply reply;
  if (path == "/__stub/counters") {
    std::string body = "{";
    bool first = true;
    for (const auto& [p, n] : state.counters()) {
      if (!first) body += ",";
      first = false;
      body += json_string(p) + ":" + std::to_string(n);
    }
    reply.response = json_ok(body + "}\n", v);
  } else if (path == "/__stub/reset") {
    if (method != http::verb::post) {
      reply.response = method_not_allowed("POST", v);
      return reply;
    }
    state.reset_counters();
    reply.response = json_ok("{\"reset\":true}\n", v);
  } else if (path == "/__stub/mode") {
    if (method == http::verb::post) {
      const auto mode = parse_fail_mode(query_first(query, "fail").value_or(""));
      if (!mode) {
        reply.response = make_response(
            http::status::bad_request,
            error_body("VALIDATION_ERROR", "fail must be none|500|close|hang"), kJson, v);
        return reply;
      }
      state.set_fail_mode(*mode);
    }
    reply.response =
        json_ok("{\"fail\":\"" + std::string(to_string(state.fail_mode())) + "\"}\n", v);
  } else if (path == "/__stub/respond") {
    return stub_respond(req, query, state.options());
  } else {
    reply.response = not_found(path, v);
  }
  return reply;
}

}  // namespace

std::vector<StubUser> default_users() {
  return {{"alice", "alice-pw", true, false},
          {"bob", "bob-pw", true, false},
          {"admin", "admin-pw", true, true}};
}

std::string_view to_string(FailMode mode) {
  switch (mode) {
    case FailMode::kNone:
      return "none";
    case FailMode::kStatus500:
      return "500";
    case FailMode::kClose:
      return "close";
    case FailMode::kHang:
      return "hang";
  }
  return "none";
}

std::optional<FailMode> parse_fail_mode(std::string_view text) {
  if (text == "none") return FailMode::kNone;
  if (text == "500") return FailMode::kStatus500;
  if (text == "close") return FailMode::kClose;
  if (text == "hang") return FailMode::kHang;
  return std::nullopt;
}

StubState::StubState(StubOptions options)
    : options_(std::move(options)),
      library_(std::make_shared<const Library>(options_.library_seed, 0, options_.base_titles)),
      shop_hauth_(options_.shop_hauth),
      random_state_(std::random_device{}()) {}

std::shared_ptr<const Library> StubState::library() const {
  std::lock_guard lock(mutex_);
  return library_;
}

std::uint64_t StubState::generation() const { return library()->generation(); }

std::uint64_t StubState::bump_generation() {
  // Build outside the lock; concurrent scans serialise on the final swap.
  std::uint64_t next = generation() + 1;
  for (;;) {
    auto fresh = std::make_shared<const Library>(options_.library_seed, next, options_.base_titles);
    std::lock_guard lock(mutex_);
    if (library_->generation() + 1 == next) {
      library_ = std::move(fresh);
      return next;
    }
    next = library_->generation() + 1;
  }
}

void StubState::count(std::string_view path) {
  std::lock_guard lock(mutex_);
  auto it = counters_.find(path);
  if (it == counters_.end()) {
    counters_.emplace(std::string(path), 1);
  } else {
    ++it->second;
  }
}

std::map<std::string, std::uint64_t> StubState::counters() const {
  std::lock_guard lock(mutex_);
  return {counters_.begin(), counters_.end()};
}

void StubState::reset_counters() {
  std::lock_guard lock(mutex_);
  counters_.clear();
}

std::string StubState::shop_hauth() const {
  std::lock_guard lock(mutex_);
  return shop_hauth_;
}

void StubState::set_shop_hauth(std::string hauth) {
  std::lock_guard lock(mutex_);
  shop_hauth_ = std::move(hauth);
}

std::uint64_t StubState::next_random() {
  return splitmix(random_state_.fetch_add(0x9E3779B97F4A7C15ull, std::memory_order_relaxed));
}

std::chrono::milliseconds StubState::draw_latency(LatencyClass latency) {
  const LatencyRange* range = nullptr;
  switch (latency) {
    case LatencyClass::kNone:
      return std::chrono::milliseconds{0};
    case LatencyClass::kLibrary:
      range = &options_.library_latency;
      break;
    case LatencyClass::kSystemInfo:
      range = &options_.system_info_latency;
      break;
    case LatencyClass::kShop:
      range = &options_.shop_latency;
      break;
    case LatencyClass::kMetadata:
      range = &options_.metadata_latency;
      break;
  }
  if (options_.latency_scale <= 0.0) return std::chrono::milliseconds{0};
  const auto lo = range->min.count();
  const auto hi = std::max(range->min.count(), range->max.count());
  const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
  const auto ms = lo + static_cast<std::int64_t>(next_random() % span);
  return std::chrono::milliseconds{
      static_cast<std::int64_t>(static_cast<double>(ms) * options_.latency_scale)};
}

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
  if (const StubUser* u = session_user(headers, users)) {
    return has_access(*u, access) ? AuthResult{Kind::kOk, u}
                                  : AuthResult{Kind::kForbidden, nullptr};
  }
  if (const auto basic = basic_credentials(headers)) {
    const StubUser* u = find_user(users, basic->first);
    // app/auth.py basic_auth also fails users without shop access.
    if (u != nullptr && u->password == basic->second && u->shop) {
      return has_access(*u, access) ? AuthResult{Kind::kOk, u}
                                    : AuthResult{Kind::kForbidden, nullptr};
    }
  }
  const std::string_view auth = header(headers, http::field::authorization);
  if (auth.substr(0, 7) == "Bearer ") {
    const std::string_view token = common::trim_ows(auth.substr(7));
    if (token.substr(0, 6) == "token-") {
      if (const StubUser* u = find_user(users, token.substr(6))) {
        return has_access(*u, access) ? AuthResult{Kind::kOk, u}
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
  const StubOptions& opt = state.options();
  TinfoilResult result;
  std::optional<bool> auth_success;
  std::string auth_error;
  // Tinfoil sends Hauth for directories only, so downloads skip host verification.
  const bool verify =
      path.find("/api/get_game") == std::string_view::npos && forwarded_proto(headers) == "https";
  if (verify && !opt.shop_host.empty()) {
    const std::string host = request_host(headers, "");
    const std::string expected_hauth = state.shop_hauth();
    const auto hauth_it = headers.find("Hauth");
    if (host != opt.shop_host) {
      result.error = "Incorrect URL `" + host + "`.";
      return result;
    }
    if (expected_hauth.empty()) {
      // The app stores the Hauth of the first admin who connects over the verified host.
      const BasicAuth basic = tinfoil_basic_auth(headers, opt.users);
      auth_success = basic.ok;
      auth_error = basic.error;
      if (basic.ok && basic.user->admin && hauth_it != headers.end()) {
        state.set_shop_hauth(std::string(hauth_it->value()));
      }
    } else if (hauth_it == headers.end() || hauth_it->value() != expected_hauth) {
      result.error = "Incorrect Hauth for URL `" + host + "`.";
      return result;
    } else {
      result.verified_host = opt.shop_host;
    }
  }
  if (!opt.shop_public) {
    if (!auth_success) {
      const StubUser* session = session_user(headers, opt.users);
      if (session != nullptr && session->shop) {
        auth_success = true;
      } else {
        const BasicAuth basic = tinfoil_basic_auth(headers, opt.users);
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

RangeResult parse_range(std::string_view header_value, std::uint64_t size) {
  using Kind = RangeResult::Kind;
  std::string_view spec = common::trim_ows(header_value);
  if (spec.substr(0, 6) != "bytes=") return {};
  spec.remove_prefix(6);
  if (spec.find(',') != std::string_view::npos) return {Kind::kUnsatisfiable};
  spec = common::trim_ows(spec);
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return {};
  auto number = [](std::string_view s) -> std::optional<std::uint64_t> {
    if (s.empty() || s.size() > 19) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
  };
  const std::string_view a = common::trim_ows(spec.substr(0, dash));
  const std::string_view b = common::trim_ows(spec.substr(dash + 1));
  if (a.empty()) {
    const auto suffix = number(b);
    if (!suffix) return {};
    if (*suffix == 0 || size == 0) return {Kind::kUnsatisfiable};
    return {Kind::kSingle, size - std::min(*suffix, size), size - 1};
  }
  const auto first = number(a);
  if (!first) return {};
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!b.empty()) {
    const auto parsed = number(b);
    if (!parsed || *parsed < *first) return {};
    last = std::min(*parsed, last);
  }
  if (*first >= size) return {Kind::kUnsatisfiable};
  return {Kind::kSingle, *first, last};
}

http::response<http::string_body> make_response(http::status status, std::string body,
                                                std::string_view content_type, unsigned version) {
  http::response<http::string_body> res{status, version};
  res.set(http::field::server, "upstream-stub");
  res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

std::string webhook_body(std::string_view event, std::uint64_t generation) {
  return "{\"event\":" + json_string(event) + ",\"generation\":" + std::to_string(generation) +
         "}";
}

std::string scan_body(std::uint64_t generation, const WebhookOutcome* webhook) {
  std::string body = "{\"code\":\"SUCCESS\",\"data\":{\"async\":false,\"generation\":" +
                     std::to_string(generation) +
                     "},\"message\":\"Scan started in background thread (all)\",\"success\":true";
  if (webhook != nullptr) {
    body += ",\"webhook\":{\"status\":" + std::to_string(webhook->status) +
            ",\"error\":" + json_string(webhook->error) + "}";
  }
  return body + "}\n";
}

Reply handle_request(StubState& state, const http::request<http::string_body>& req,
                     std::string_view path, const QueryParams& query) {
  const StubOptions& opt = state.options();
  const unsigned v = req.version();
  const auto method = req.method();
  const bool read = method == http::verb::get || method == http::verb::head;
  Reply reply;

  if (path.substr(0, 8) == "/__stub/") return stub_routes(state, req, path, query);
  if (path == "/" || path == "/index.json" || path == "/tinfoil.json") {
    if (!read) {
      reply.response = method_not_allowed("GET, HEAD", v);
      return reply;
    }
    return shop_index(state, req, path);
  }
  if (path == "/socket.io/" || path == "/socket.io") {
    // Engine.IO v4 long-polling: the open packet on GET, "ok" on POST.
    if (query_first(query, "EIO") != "4" || !query_first(query, "transport")) {
      reply.response = make_response(http::status::bad_request,
                                     "{\"code\":0,\"message\":\"Transport unknown\"}", kJson, v);
      return reply;
    }
    if (method == http::verb::post) {
      reply.response = make_response(http::status::ok, "ok", "text/html", v);
    } else {
      const std::string sid = "stub" + std::to_string(state.next_random() % 1000000000000ull);
      reply.response = make_response(http::status::ok, engine_io_open(sid, true),
                                     "text/plain; charset=UTF-8", v);
    }
    return reply;
  }
  if (path == "/api/system/info") {
    if (!read) {
      reply.response = method_not_allowed("GET, HEAD", v);
      return reply;
    }
    reply.response = json_ok(render_system_info(opt.build_version), v);
    reply.latency = LatencyClass::kSystemInfo;
    return reply;
  }
  if (path == "/api/library/scan") {
    if (method != http::verb::post) {
      reply.response = method_not_allowed("POST", v);
      return reply;
    }
    const AuthResult auth = access_required(req, opt.users, Access::kAdmin);
    if (auth.kind != AuthResult::Kind::kOk) {
      reply.response = auth.kind == AuthResult::Kind::kForbidden ? forbidden(v) : unauthorized(v);
      reply.response.set(http::field::vary, "Cookie");
      return reply;
    }
    const std::uint64_t generation = state.bump_generation();
    // post_library_change(): where the app invalidates its cache. The updater's webhook is
    // sent by the caller (it needs I/O), see Reply::scanned_generation.
    if (opt.on_library_changed) opt.on_library_changed(generation);
    reply.response = json_ok(scan_body(generation, nullptr), v);
    reply.response.set(http::field::vary, "Cookie");
    reply.scanned_generation = generation;
    return reply;
  }

  // Shop-access read endpoints.
  const bool paged = path == "/api/library/paged";
  const bool search = path == "/api/library/search/paged";
  const bool stats = path == "/api/stats/overview";
  const bool tags = path == "/api/tags";
  const bool upcoming = path == "/api/upcoming";
  const bool app_info = path.starts_with("/api/app_info/") && path.size() > 14 &&
                        path.find('/', 14) == std::string_view::npos;
  const bool titledb = path.starts_with("/api/titledb_data/") && path.size() > 18 &&
                       path.find('/', 18) == std::string_view::npos;
  if (!(paged || search || stats || tags || upcoming || app_info || titledb)) {
    reply.response = not_found(path, v);
    return reply;
  }
  if (!read) {
    reply.response = method_not_allowed("GET, HEAD", v);
    return reply;
  }
  const AuthResult auth = access_required(req, opt.users, Access::kShop);
  if (auth.kind != AuthResult::Kind::kOk) {
    reply.response = auth.kind == AuthResult::Kind::kForbidden ? forbidden(v) : unauthorized(v);
    reply.response.set(http::field::vary, "Cookie");
    return reply;
  }
  const std::string_view user = auth.user->name;
  const auto library = state.library();
  if (paged) {
    PagedBody page = render_library_paged(*library, parse_paged_params(query), user);
    reply.response = json_ok(std::move(page.body), v);
    reply.response.set("X-Total-Count", std::to_string(page.total_items));
    reply.response.set("X-Page", std::to_string(page.page));
    reply.response.set("X-Per-Page", std::to_string(page.per_page));
    reply.response.set("X-Total-Pages", std::to_string(page.total_pages));
    reply.response.set("X-Cache", "MISS");
    reply.response.set(http::field::cache_control, kAppCacheControl);
    reply.latency = LatencyClass::kLibrary;
  } else if (search) {
    reply.response = json_ok(render_search_paged(*library, query, user), v);
    reply.latency = LatencyClass::kLibrary;
  } else if (stats) {
    reply.response = json_ok(render_stats_overview(*library, user), v);
    reply.latency = LatencyClass::kLibrary;
  } else if (tags) {
    reply.response = json_ok(render_tags(), v);
    reply.latency = LatencyClass::kMetadata;
  } else if (upcoming) {
    reply.response = json_ok(render_upcoming(), v);
    reply.latency = LatencyClass::kMetadata;
  } else if (app_info) {
    reply.response = json_ok(render_app_info(*library, path.substr(14)), v);
    reply.latency = LatencyClass::kMetadata;
  } else {
    const std::string_view id = path.substr(18);
    if (auto body = render_titledb_data(*library, id)) {
      reply.response = json_ok(std::move(*body), v);
    } else {
      reply.response = make_response(
          http::status::not_found,
          error_body("NOT_FOUND", "Title with ID '" + std::string(id) + "' not found"), kJson, v);
    }
    reply.latency = LatencyClass::kMetadata;
  }
  reply.response.set(http::field::vary, "Cookie");
  return reply;
}

}  // namespace foilcache::stub
