// Route match + key render per request, on the shipped rules (conf/foilcache.yaml loaded
// with the real config loader): exactly the steps ProxyHandler's dispatch() runs between
// "header read" and "Store::get" — split the target into path and query,
// config::match_route(), then for a routed request cache::user_id() (when the key uses
// {user}) and KeyTemplate::render(). One benchmark per representative request (the paged
// library grid with Basic auth, the shared system info, a mid-table app_info lookup, the
// Tinfoil shop index with its eleven headers, a game download that walks the whole table
// and matches nothing) plus a round-robin mix; every routed case also has a "NoUser"
// variant with {user} computed once outside the loop, so the HMAC's share is read side by
// side. Target: <= 1 us per request. Run:
//   cmake -S . -B build-gbench -DCMAKE_BUILD_TYPE=Release
//   cmake --build build-gbench -j2 --target foilcache_bench
//   build-gbench/bench/foilcache_bench --benchmark_filter=RouteKey --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy/cache/identity.hpp"
#include "proxy/config/config_loader.hpp"
#include "proxy/config/key_template.hpp"
#include "proxy/config/route_table.hpp"
#include "proxy/http/forwarding.hpp"
#include "common/net.hpp"

namespace {

using namespace foilcache;
using Request = http::request<http::empty_body>;

// The shipped config, loaded once. Every ${VAR} in it has a default; the identity secret
// is set the way a production deployment sets it (an empty one is a different HMAC key
// length, not a different cost, but the loader warns).
const config::Config& shipped_config() {
  static const std::shared_ptr<const config::Config> config = [] {
    ::setenv("FOILCACHE_IDENTITY_SECRET", "bench-identity-secret-0123456789abcdef", /*overwrite=*/1);
    return config::load_config_file(FOILCACHE_SOURCE_DIR "/conf/foilcache.yaml");
  }();
  return *config;
}

// A client request as dispatch() sees it at key time: after prepare_upstream_request(),
// which replaces the forwarded headers some keys render.
Request make_request(std::string_view target, std::vector<std::pair<std::string_view, std::string_view>> fields) {
  Request request{http::verb::get, target, 11};
  request.set(http::field::host, "shop.example.net:8080");
  for (const auto& [name, value] : fields) request.insert(name, value);
  http_util::prepare_upstream_request(request, {"192.0.2.10", "http"}, shipped_config().trust_forwarded_headers,
                                      /*keep_upgrade=*/false);
  return request;
}

constexpr std::string_view kBasic = "Basic c3dpdGNoOmh1bnRlcjI=";  // switch:hunter2

struct Case {
  Request request;
  std::string_view route;  // expected route name; empty: no route
};

const Case& library_paged() {
  static const Case c{make_request("/api/library/paged?page=3&per_page=50&sort_by=added&order=desc",
                                   {{"Authorization", kBasic}, {"Accept", "application/json"}}),
                      "library_paged"};
  return c;
}
const Case& system_info() {
  static const Case c{make_request("/api/system/info", {{"Accept", "application/json"}}), "system_info"};
  return c;
}
const Case& app_info() {  // route 4 of 11
  static const Case c{make_request("/api/app_info/0100ABCDEF012000", {{"Authorization", kBasic}}), "app_info"};
  return c;
}
const Case& shop_index() {  // route 9 of 11, the widest key
  static const Case c{make_request("/index.json", {{"Authorization", kBasic},
                                                   {"User-Agent", "Tinfoil/19.0 NintendoSwitch"},
                                                   {"Uid", "0123456789ABCDEF0123456789ABCDEF"},
                                                   {"Version", "19.0"},
                                                   {"Hauth", "A1B2C3D4E5F60718293A4B5C6D7E8F90"},
                                                   {"Accept", "*/*"}}),
                      "shop_index_json"};
  return c;
}
const Case& get_game() {  // no route: the whole table is walked
  static const Case c{make_request("/api/get_game/12345",
                                   {{"Authorization", kBasic}, {"Range", "bytes=0-1048575"}}),
                      ""};
  return c;
}

// dispatch()'s steps from the target to the key; `fixed_user` non-null: {user} is taken
// from it instead of being computed. Returns the key, empty when no route matched.
std::string route_and_key(const config::Config& config, const Request& request, const std::string* fixed_user,
                          const config::Route** matched) {
  const std::string_view target = request.target();
  const auto question = target.find('?');
  const auto path = target.substr(0, question);
  const auto query = question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);

  config::PathParams params;  // a fresh one per request, as in dispatch()
  const config::Route* route = config::match_route(config, request.method_string(), path, params);
  *matched = route;
  if (route == nullptr) return {};
  std::string user;  // as in dispatch(); the NoUser variants render `fixed_user` without a copy
  if (fixed_user == nullptr) {
    user = route->key.uses_user() ? cache::user_id(request, config.identity) : std::string("anon");
  }
  const config::RenderInput input{"GET", path, query, &params, &request,
                                  fixed_user != nullptr ? std::string_view(*fixed_user) : std::string_view(user)};
  return route->key.render(input);
}

// Checks once that the case routes where the shipped config says it does.
bool check(benchmark::State& state, const Case& c) {
  const config::Route* route = nullptr;
  const std::string key = route_and_key(shipped_config(), c.request, nullptr, &route);
  const std::string_view name = route ? std::string_view(route->name) : std::string_view{};
  if (name != c.route) {
    state.SkipWithError(("routed to '" + std::string(name) + "', expected '" + std::string(c.route) + "'").c_str());
    return false;
  }
  state.SetLabel(route ? std::string(name) + " key=" + std::to_string(key.size()) + "B" : "unrouted");
  return true;
}

// The {user} dispatch() would render for the case, computed once (the NoUser variants).
std::string user_outside_loop(const config::Config& config, const Case& c) {
  config::PathParams params;
  const std::string_view target = c.request.target();
  const config::Route* route =
      config::match_route(config, c.request.method_string(), target.substr(0, target.find('?')), params);
  return route && route->key.uses_user() ? cache::user_id(c.request, config.identity) : std::string("anon");
}

template <const Case& (*kCase)(), bool kWithUser>
void BM_RouteKey(benchmark::State& state) {
  const auto& config = shipped_config();
  const Case& c = kCase();
  if (!check(state, c)) return;
  const std::string fixed_user = user_outside_loop(config, c);
  for (auto _ : state) {
    const config::Route* route = nullptr;
    std::string key = route_and_key(config, c.request, kWithUser ? nullptr : &fixed_user, &route);
    benchmark::DoNotOptimize(route);
    benchmark::DoNotOptimize(key);
  }
}

template <bool kWithUser>
void BM_RouteKey_Mix(benchmark::State& state) {
  const auto& config = shipped_config();
  const std::vector<const Case*> cases{&library_paged(), &system_info(), &app_info(), &shop_index(), &get_game()};
  std::vector<std::string> fixed_users;
  for (const Case* c : cases) {
    if (!check(state, *c)) return;
    fixed_users.push_back(user_outside_loop(config, *c));
  }
  state.SetLabel("round robin over the 5 cases");
  std::size_t i = 0;
  for (auto _ : state) {
    const config::Route* route = nullptr;
    std::string key = route_and_key(config, cases[i]->request, kWithUser ? nullptr : &fixed_users[i], &route);
    benchmark::DoNotOptimize(route);
    benchmark::DoNotOptimize(key);
    i = i + 1 == cases.size() ? 0 : i + 1;
  }
}

BENCHMARK(BM_RouteKey<library_paged, true>)->Name("RouteKey/LibraryPaged");
BENCHMARK(BM_RouteKey<library_paged, false>)->Name("RouteKey/LibraryPaged/NoUser");
BENCHMARK(BM_RouteKey<system_info, true>)->Name("RouteKey/SystemInfo");
BENCHMARK(BM_RouteKey<app_info, true>)->Name("RouteKey/AppInfoMidTable");
BENCHMARK(BM_RouteKey<app_info, false>)->Name("RouteKey/AppInfoMidTable/NoUser");
BENCHMARK(BM_RouteKey<shop_index, true>)->Name("RouteKey/ShopIndex");
BENCHMARK(BM_RouteKey<shop_index, false>)->Name("RouteKey/ShopIndex/NoUser");
BENCHMARK(BM_RouteKey<get_game, true>)->Name("RouteKey/GetGameUnrouted");
BENCHMARK(BM_RouteKey_Mix<true>)->Name("RouteKey/Mix");
BENCHMARK(BM_RouteKey_Mix<false>)->Name("RouteKey/Mix/NoUser");

}  // namespace
