#include "upstream_stub/stub_handlers.hpp"
#include "common/text.hpp"
#include "upstream_stub/app_routes.hpp"
#include "upstream_stub/render_util.hpp"
#include "upstream_stub/route_util.hpp"

#include <algorithm>
#include <cstdio>

namespace foilcache::stub {
namespace {

using render::splitmix;
using route::forbidden;
using route::has_header;
using route::header;
using route::icontains;
using route::json_ok;
using route::json_string;
using route::kJson;
using route::method_not_allowed;
using route::not_found;
using route::unauthorized;

constexpr std::string_view kAppCacheControl = "public, max-age=300";  // library_paged_api
constexpr std::size_t kEncryptedKeyBytes = 256;  // RSA-2048 wrapped AES key in Tinfoil's format
constexpr std::size_t kAesBlock = 16;
constexpr int kEngineIoPingInterval = 20000;  // app_factory.py: ping_interval=20
constexpr int kEngineIoPingTimeout = 120000;  // ping_timeout=120
constexpr int kEngineIoMaxPayload = 1000000;

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
  const ShopSettings shop = state.shop();
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
    if (!shop.public_shop) {
      const AuthResult auth = access_required(req, state.accounts(), Access::kShop);
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
  view.motd = shop.motd;
  if (access.verified_host) view.referrer = "https://" + *access.verified_host;
  std::string body = render_shop_index(*state.library(), view, opt.game_size);
  if (shop.encrypt) {
    reply.response =
        make_response(http::status::ok, fake_encrypt(state, body), "application/octet-stream", v);
  } else {
    reply.response = json_ok(std::move(body), v);
  }
  reply.response.set(http::field::vary, "Cookie");
  reply.latency = LatencyClass::kShop;
  return reply;
}

Reply engine_io_polling(StubState& state, const Request& req, const QueryParams& query) {
  const unsigned v = req.version();
  Reply reply;
  // Engine.IO v4 long-polling: the open packet on GET, "ok" on POST.
  if (query_first(query, "EIO") != "4" || !query_first(query, "transport")) {
    reply.response = make_response(http::status::bad_request,
                                   "{\"code\":0,\"message\":\"Transport unknown\"}", kJson, v);
    return reply;
  }
  if (req.method() == http::verb::post) {
    reply.response = make_response(http::status::ok, "ok", "text/html", v);
  } else {
    const std::string sid = "stub" + std::to_string(state.next_random() % 1000000000000ull);
    reply.response =
        make_response(http::status::ok, engine_io_open(sid, true), "text/plain; charset=UTF-8", v);
  }
  return reply;
}

Reply scan(StubState& state, const Request& req) {
  const StubOptions& opt = state.options();
  const unsigned v = req.version();
  Reply reply;
  if (req.method() != http::verb::post) {
    reply.response = method_not_allowed("POST", v);
    return reply;
  }
  const AuthResult auth = access_required(req, state.accounts(), Access::kAdmin);
  if (auth.kind != AuthResult::Kind::kOk) {
    reply.response = auth.kind == AuthResult::Kind::kForbidden ? forbidden(v) : unauthorized(v);
    reply.response.set(http::field::vary, "Cookie");
    return reply;
  }
  const std::uint64_t generation = state.bump_generation();
  // post_library_change(): where the app invalidates its cache and, debounced, announces
  // library_updated. The updater's webhook is sent by the caller (it needs I/O), see
  // Reply::scanned_generation.
  if (opt.on_library_changed) opt.on_library_changed(generation);
  state.events().library_changed();
  reply.response = json_ok(scan_body(generation, nullptr), v);
  reply.response.set(http::field::vary, "Cookie");
  reply.scanned_generation = generation;
  return reply;
}

// The shop-access reads whose bodies depend on the caller's ignores (and the metadata ones).
enum class ShopRead { kNone, kPaged, kSearch, kStats, kTags, kUpcoming, kAppInfo, kTitleDb };

ShopRead shop_read(std::string_view path) {
  auto one_segment_after = [&](std::string_view prefix) {
    return path.starts_with(prefix) && path.size() > prefix.size() &&
           path.find('/', prefix.size()) == std::string_view::npos;
  };
  if (path == "/api/library/paged") return ShopRead::kPaged;
  if (path == "/api/library/search/paged") return ShopRead::kSearch;
  if (path == "/api/stats/overview") return ShopRead::kStats;
  if (path == "/api/tags") return ShopRead::kTags;
  if (path == "/api/upcoming") return ShopRead::kUpcoming;
  if (one_segment_after("/api/app_info/")) return ShopRead::kAppInfo;
  if (one_segment_after("/api/titledb_data/")) return ShopRead::kTitleDb;
  return ShopRead::kNone;
}

void answer_paged(Reply& reply, const Library& library, const QueryParams& query,
                  const UserIgnores& ignores, unsigned v) {
  PagedBody page = render_library_paged(library, parse_paged_params(query), ignores);
  reply.response = json_ok(std::move(page.body), v);
  reply.response.set("X-Total-Count", std::to_string(page.total_items));
  reply.response.set("X-Page", std::to_string(page.page));
  reply.response.set("X-Per-Page", std::to_string(page.per_page));
  reply.response.set("X-Total-Pages", std::to_string(page.total_pages));
  reply.response.set("X-Cache", "MISS");
  reply.response.set(http::field::cache_control, kAppCacheControl);
}

Reply shop_reads(StubState& state, const Request& req, ShopRead route, std::string_view path,
                 const QueryParams& query) {
  const unsigned v = req.version();
  Reply reply;
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    reply.response = method_not_allowed("GET, HEAD", v);
    return reply;
  }
  const AuthResult auth = access_required(req, state.accounts(), Access::kShop);
  if (auth.kind != AuthResult::Kind::kOk) {
    reply.response = auth.kind == AuthResult::Kind::kForbidden ? forbidden(v) : unauthorized(v);
    reply.response.set(http::field::vary, "Cookie");
    return reply;
  }
  const UserIgnores ignores = state.users().ignores(auth.user->name);
  const auto library = state.library();
  reply.latency = LatencyClass::kMetadata;
  switch (route) {
    case ShopRead::kPaged:
      answer_paged(reply, *library, query, ignores, v);
      reply.latency = LatencyClass::kLibrary;
      break;
    case ShopRead::kSearch:
      reply.response = json_ok(render_search_paged(*library, query, ignores), v);
      reply.latency = LatencyClass::kLibrary;
      break;
    case ShopRead::kStats:
      reply.response = json_ok(render_stats_overview(*library, ignores), v);
      reply.latency = LatencyClass::kLibrary;
      break;
    case ShopRead::kTags:
      reply.response = json_ok(render_tags(state.tags()), v);
      break;
    case ShopRead::kUpcoming:
      reply.response = json_ok(render_upcoming(), v);
      break;
    case ShopRead::kAppInfo:
      reply.response = json_ok(render_app_info(*library, path.substr(14)), v);
      break;
    case ShopRead::kTitleDb:
    case ShopRead::kNone:
      if (auto body = render_titledb_data(*library, path.substr(18))) {
        reply.response = json_ok(std::move(*body), v);
      } else {
        reply.response = make_response(
            http::status::not_found,
            error_body("NOT_FOUND", "Title with ID '" + std::string(path.substr(18)) + "' not found"),
            kJson, v);
      }
      break;
  }
  reply.response.set(http::field::vary, "Cookie");
  return reply;
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


http::response<http::string_body> make_response(http::status status, std::string body,
                                                std::string_view content_type, unsigned version) {
  http::response<http::string_body> res{status, version};
  res.set(http::field::server, "upstream-stub");
  res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Reply handle_request(StubState& state, const http::request<http::string_body>& req,
                     std::string_view path, const QueryParams& query) {
  const unsigned v = req.version();
  const bool read = req.method() == http::verb::get || req.method() == http::verb::head;
  Reply reply;
  if (path.substr(0, 8) == "/__stub/") return control_route(state, req, path, query);
  if (path == "/" || path == "/index.json" || path == "/tinfoil.json") {
    if (!read) {
      reply.response = method_not_allowed("GET, HEAD", v);
      return reply;
    }
    return shop_index(state, req, path);
  }
  if (path == "/socket.io/" || path == "/socket.io") return engine_io_polling(state, req, query);
  if (path == "/api/system/info") {
    if (!read) {
      reply.response = method_not_allowed("GET, HEAD", v);
      return reply;
    }
    const TitleSettings titles = state.titles();
    reply.response = json_ok(render_system_info(state.options().build_version, titles.region,
                                                titles.language, titles.active_source()),
                             v);
    reply.latency = LatencyClass::kSystemInfo;
    return reply;
  }
  if (path == "/api/library/scan") return scan(state, req);
  if (auto r = user_route(state, req, path, query)) return std::move(*r);
  if (auto r = admin_route(state, req, path, query)) return std::move(*r);
  if (auto r = settings_route(state, req, path)) return std::move(*r);
  if (auto r = account_route(state, req, path)) return std::move(*r);
  if (auto r = image_proxy_route(state, req, path, query)) return std::move(*r);
  if (const ShopRead route = shop_read(path); route != ShopRead::kNone) {
    return shop_reads(state, req, route, path, query);
  }
  reply.response = not_found(path, v);
  return reply;
}

}  // namespace foilcache::stub
