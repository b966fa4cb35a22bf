// herd_bench: the thundering herd right after a tag invalidation. N clients (default 200)
// hit P library pages (default 20) at the same instant, just after `POST
// /api/cache/invalidate/library` emptied them; the report says how many requests reached
// the upstream and how long the clients waited. Run once against foilcache with request
// coalescing on and once with `coalesce_wait: 0` to see what coalescing buys (see
// bench/run-herd.sh, which starts redis-server, the upstream stub and foilcache).
//
//   herd_bench --proxy HOST:PORT --upstream HOST:PORT --token ADMIN_TOKEN
//              [--clients 200] [--pages 20] [--rounds 5] [--per-page 50] [--label TEXT]
//
// --upstream is the upstream stub: its GET /__stub/counters (requests per path) is read
// before and after each round, so "upstream" is what the app really received.
//
// Each round:
//   1. warms every page (GET until X-Cache: HIT), so the invalidation has entries to drop;
//   2. opens one keep-alive connection per client and sends GET /healthz on it, so connect,
//      accept and session set-up are not part of the measured latency;
//   3. reads the stub's counters, POSTs the invalidation (timed), and releases every client
//      at once: client i sends GET /api/library/paged?page=(i % P + 1)&per_page=50 as alice;
//   4. records per client the latency from the request's write to the full response read,
//      the status, X-Cache and Cache-Status' detail (`coalesced`, `store-unavailable`, ...);
//      reads the counters again. The upstream column counts /api/library/paged requests
//      (+N: requests to any other path during the round).
// A round 0 without the invalidation (every request should be a HIT) comes first: the
// same herd on the same machine, so the reader can tell what the invalidation costs from
// what 200 simultaneous hits cost on this machine.
//
// One thread, one io_context, coroutines: the release is the io_context starting the
// N queued request coroutines back to back (the spread of their write times is reported),
// and the client takes one core's worth of CPU at most on a machine it shares with the
// proxy, the stub and Redis (200 blocking threads would compete with them for it).
// Every network operation is bounded (tcp_stream::expires_after). Exit status: 0, 1 on a
// setup failure (nothing measured), 2 when a herd request failed or was not a 200.
#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/net.hpp"

namespace {

using namespace foilcache;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::string_view kLibraryPath = "/api/library/paged";
constexpr std::string_view kInvalidatePath = "/api/cache/invalidate/library";
// alice:alice-pw (a shop user of upstream-stub), Basic-encoded. The route keys by {user},
// so every client shares alice's entries: clients with the same page share one key.
constexpr std::string_view kAliceBasic = "Basic YWxpY2U6YWxpY2UtcHc=";
constexpr milliseconds kSetupTimeout{5000};  // connect, /healthz, warm GETs, counters, admin POST
// One herd request: a follower may wait the whole coalesce_wait (5 s) and then go upstream
// itself; anything slower than this is a failure, not a latency.
constexpr milliseconds kHerdTimeout{30'000};
constexpr int kWarmAttempts = 3;  // GETs per page until it must be a HIT

double to_ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Options {
  tcp::endpoint proxy;
  tcp::endpoint upstream;
  std::string token;
  std::size_t clients = 200;
  std::size_t pages = 20;
  std::size_t rounds = 5;
  std::size_t per_page = 50;
  std::string label;
};

// ---- HTTP helpers ------------------------------------------------------------------------

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

Request make_request(http::verb verb, std::string target) {
  Request request{verb, std::move(target), 11};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::user_agent, "foilcache-herd-bench");
  request.prepare_payload();
  return request;
}

Request page_request(std::size_t page, std::size_t per_page) {
  Request request = make_request(http::verb::get, std::string(kLibraryPath) + "?page=" + std::to_string(page) +
                                                      "&per_page=" + std::to_string(per_page));
  request.set(http::field::authorization, kAliceBasic);
  return request;
}

// One request on a fresh connection, closed afterwards. Throws on any network error.
net::awaitable<Response> one_shot(const tcp::endpoint& endpoint, Request& request) {
  beast::tcp_stream stream(co_await net::this_coro::executor);
  stream.expires_after(kSetupTimeout);
  co_await stream.async_connect(endpoint, net::use_awaitable);
  co_await http::async_write(stream, request, net::use_awaitable);
  beast::flat_buffer buffer;
  Response response;
  co_await http::async_read(stream, buffer, response, net::use_awaitable);
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  co_return response;
}

// Runs `task` to completion on `ioc` (which has nothing else to do) and returns its value.
template <class T>
T run(net::io_context& ioc, net::awaitable<T> task) {
  std::exception_ptr error;
  std::optional<T> result;
  net::co_spawn(ioc, std::move(task), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) result = std::move(value);
  });
  ioc.restart();
  ioc.run();
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

std::string header(const Response& response, std::string_view name) {
  const auto it = response.find(name);
  return it == response.end() ? std::string() : std::string(it->value());
}

// The stub's request counters: requests to the library path, and to every path.
struct Counters {
  std::uint64_t library = 0;
  std::uint64_t all = 0;
};

Counters read_counters(net::io_context& ioc, const Options& options) {
  Request request = make_request(http::verb::get, "/__stub/counters");
  const Response response = run(ioc, one_shot(options.upstream, request));
  if (response.result() != http::status::ok) throw std::runtime_error("stub counters: HTTP " + std::to_string(response.result_int()));
  rapidjson::Document json;
  json.Parse(response.body().data(), response.body().size());
  if (json.HasParseError() || !json.IsObject()) throw std::runtime_error("stub counters: not a JSON object");
  Counters counters;
  for (const auto& member : json.GetObject()) {
    if (!member.value.IsUint64()) continue;
    counters.all += member.value.GetUint64();
    if (std::string_view(member.name.GetString(), member.name.GetStringLength()) == kLibraryPath) {
      counters.library = member.value.GetUint64();
    }
  }
  return counters;
}

// GETs every page until it is a HIT, so the round's invalidation has entries to invalidate.
void warm(net::io_context& ioc, const Options& options) {
  for (std::size_t page = 1; page <= options.pages; ++page) {
    std::string x_cache;
    for (int attempt = 0; attempt < kWarmAttempts && x_cache != "HIT"; ++attempt) {
      Request request = page_request(page, options.per_page);
      const Response response = run(ioc, one_shot(options.proxy, request));
      if (response.result() != http::status::ok) {
        throw std::runtime_error("warm page " + std::to_string(page) + ": HTTP " + std::to_string(response.result_int()));
      }
      x_cache = header(response, "X-Cache");
    }
    if (x_cache != "HIT") throw std::runtime_error("warm page " + std::to_string(page) + ": still X-Cache " + x_cache);
  }
}

// POSTs the tag invalidation; returns how long it took in ms (a fresh loopback connection,
// the request, foilcache's Redis round trip and the response).
double invalidate(net::io_context& ioc, const Options& options) {
  Request request = make_request(http::verb::post, std::string(kInvalidatePath));
  request.set(http::field::authorization, "Bearer " + options.token);
  const auto start = Clock::now();
  const Response response = run(ioc, one_shot(options.proxy, request));
  const auto elapsed = Clock::now() - start;
  if (response.result() != http::status::ok) {
    throw std::runtime_error("invalidate: HTTP " + std::to_string(response.result_int()) + " " + response.body());
  }
  return to_ms(elapsed);
}

// ---- The herd ----------------------------------------------------------------------------

struct Sample {
  error_code ec;  // set when the request failed before a full response was read
  unsigned status = 0;
  std::string x_cache;
  bool coalesced = false;  // Cache-Status: ...; detail=coalesced
  std::string detail;      // Cache-Status' detail= parameter, if any (e.g. store-unavailable)
  Clock::time_point sent{};
  Clock::time_point received{};
};

// Opens a client's keep-alive connection and proves it with GET /healthz (accepted, session
// running), so the herd request later measures only the request itself.
net::awaitable<void> open_client(const tcp::endpoint& endpoint, beast::tcp_stream& stream, error_code& result) {
  stream.expires_after(kSetupTimeout);
  auto [connect_ec] = co_await stream.async_connect(endpoint, kNoThrow);
  if (connect_ec) {
    result = connect_ec;
    co_return;
  }
  Request request = make_request(http::verb::get, "/healthz");
  auto [write_ec, written] = co_await http::async_write(stream, request, kNoThrow);
  if (write_ec) {
    result = write_ec;
    co_return;
  }
  beast::flat_buffer buffer;
  Response response;
  auto [read_ec, read] = co_await http::async_read(stream, buffer, response, kNoThrow);
  if (read_ec) {
    result = read_ec;
  } else if (response.result() != http::status::ok || !response.keep_alive()) {
    result = make_error_code(boost::system::errc::protocol_error);
  }
}

// One client's herd request on its open connection.
net::awaitable<void> herd_request(beast::tcp_stream& stream, const Request& request, Sample& sample) {
  stream.expires_after(kHerdTimeout);
  beast::flat_buffer buffer;
  Response response;
  sample.sent = Clock::now();
  auto [write_ec, written] = co_await http::async_write(stream, request, kNoThrow);
  if (write_ec) {
    sample.ec = write_ec;
    co_return;
  }
  auto [read_ec, read] = co_await http::async_read(stream, buffer, response, kNoThrow);
  sample.received = Clock::now();
  if (read_ec) {
    sample.ec = read_ec;
    co_return;
  }
  sample.status = response.result_int();
  sample.x_cache = header(response, "X-Cache");
  const std::string cache_status = header(response, "Cache-Status");
  if (const auto at = cache_status.find("detail="); at != std::string::npos) {
    sample.detail = cache_status.substr(at + 7, cache_status.find(';', at) - at - 7);
  }
  sample.coalesced = sample.detail == "coalesced";
}

struct RoundResult {
  std::size_t number = 0;
  bool invalidated = false;
  double invalidate_ms = 0;
  double spread_ms = 0;  // first to last request write start
  std::uint64_t upstream_library = 0;
  std::uint64_t upstream_all = 0;
  std::vector<Sample> samples;
};

RoundResult run_round(net::io_context& ioc, const Options& options, std::size_t number, bool invalidate_first) {
  RoundResult round;
  round.number = number;
  round.invalidated = invalidate_first;
  warm(ioc, options);

  std::vector<beast::tcp_stream> streams;
  streams.reserve(options.clients);
  std::vector<Request> requests;
  requests.reserve(options.clients);
  std::vector<error_code> open_errors(options.clients);
  for (std::size_t i = 0; i < options.clients; ++i) {
    streams.emplace_back(ioc);
    requests.push_back(page_request(i % options.pages + 1, options.per_page));
    net::co_spawn(ioc, open_client(options.proxy, streams[i], open_errors[i]), net::detached);
  }
  ioc.restart();
  ioc.run();
  for (std::size_t i = 0; i < options.clients; ++i) {
    if (open_errors[i]) throw std::runtime_error("client " + std::to_string(i) + " connection: " + open_errors[i].message());
  }

  const Counters before = read_counters(ioc, options);
  if (invalidate_first) round.invalidate_ms = invalidate(ioc, options);

  // The barrier: every request coroutine is queued before the io_context runs, so none
  // starts before all are ready, and run() starts them back to back.
  round.samples.resize(options.clients);
  for (std::size_t i = 0; i < options.clients; ++i) {
    net::co_spawn(ioc, herd_request(streams[i], requests[i], round.samples[i]), net::detached);
  }
  ioc.restart();
  ioc.run();

  const Counters after = read_counters(ioc, options);
  round.upstream_library = after.library - before.library;
  round.upstream_all = after.all - before.all;
  const auto [first, last] = std::minmax_element(round.samples.begin(), round.samples.end(),
                                                 [](const Sample& a, const Sample& b) { return a.sent < b.sent; });
  round.spread_ms = to_ms(last->sent - first->sent);
  for (auto& stream : streams) {
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.socket().close(ignored);
  }
  return round;
}

// ---- Report ------------------------------------------------------------------------------

// Nearest-rank percentile of sorted values (p in (0, 100]).
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

struct Summary {
  std::size_t requests = 0, errors = 0, non_200 = 0, hit = 0, coalesced = 0, miss = 0, other = 0;
  double p50 = 0, p99 = 0, max = 0;
  std::map<std::string, std::size_t> others;  // "X-Cache detail" of the `other` column
};

Summary summarize(const std::vector<const Sample*>& samples) {
  Summary s;
  std::vector<double> latencies;
  for (const Sample* sample : samples) {
    ++s.requests;
    if (sample->ec) {
      ++s.errors;
      continue;
    }
    latencies.push_back(to_ms(sample->received - sample->sent));
    if (sample->status != 200) ++s.non_200;
    if (sample->x_cache == "HIT") {
      ++s.hit;
      if (sample->coalesced) ++s.coalesced;
    } else if (sample->x_cache == "MISS") {
      ++s.miss;
    } else {
      ++s.other;
      ++s.others[(sample->x_cache.empty() ? "(none)" : sample->x_cache) +
                 (sample->detail.empty() ? "" : " detail=" + sample->detail)];
    }
  }
  std::sort(latencies.begin(), latencies.end());
  s.p50 = percentile(latencies, 50);
  s.p99 = percentile(latencies, 99);
  s.max = latencies.empty() ? 0 : latencies.back();
  return s;
}

void print_row(const std::string& name, const std::string& invalidate, const std::string& spread,
               const std::string& upstream, const Summary& s) {
  std::printf("%-9s %9s %9s %10s %6zu %6zu %6zu %6zu %9zu %6zu %8.1f %8.1f %8.1f\n", name.c_str(), invalidate.c_str(),
              spread.c_str(), upstream.c_str(), s.errors, s.non_200, s.miss, s.hit, s.coalesced, s.other, s.p50, s.p99,
              s.max);
}

std::string fixed(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

void report(const Options& options, const std::vector<RoundResult>& rounds) {
  std::printf("%-9s %9s %9s %10s %6s %6s %6s %6s %9s %6s %8s %8s %8s\n", "round", "inval_ms", "spread_ms", "upstream",
              "errors", "non200", "MISS", "HIT", "coalesced", "other", "p50_ms", "p99_ms", "max_ms");
  std::vector<const Sample*> herd;
  std::uint64_t up_min = UINT64_MAX, up_max = 0, up_total = 0;
  std::size_t herd_rounds = 0;
  std::string others;  // what the `other` column counted, per round
  for (const auto& round : rounds) {
    std::vector<const Sample*> samples;
    for (const auto& sample : round.samples) samples.push_back(&sample);
    const Summary s = summarize(samples);
    std::string upstream = std::to_string(round.upstream_library);
    // Anything else the herd caused upstream (it should cause nothing else).
    if (round.upstream_all != round.upstream_library) upstream += "+" + std::to_string(round.upstream_all - round.upstream_library);
    print_row(round.invalidated ? std::to_string(round.number) : "0 (warm)", round.invalidated ? fixed(round.invalidate_ms) : "-",
              fixed(round.spread_ms), upstream, s);
    for (const auto& [kind, count] : s.others) {
      others += "  round " + std::to_string(round.number) + ": " + kind + " " + std::to_string(count) + "\n";
    }
    if (!round.invalidated) continue;
    ++herd_rounds;
    herd.insert(herd.end(), samples.begin(), samples.end());
    up_min = std::min(up_min, round.upstream_library);
    up_max = std::max(up_max, round.upstream_library);
    up_total += round.upstream_library;
  }
  if (herd_rounds == 0) return;
  const Summary all = summarize(herd);
  print_row("all 1-" + std::to_string(herd_rounds), "-", "-", std::to_string(up_total), all);
  std::printf("upstream requests per herd round (%zu clients, %zu pages): min %llu, mean %.1f, max %llu\n",
              options.clients, options.pages, static_cast<unsigned long long>(up_min),
              static_cast<double>(up_total) / static_cast<double>(herd_rounds), static_cast<unsigned long long>(up_max));
  if (!others.empty()) std::printf("other X-Cache values:\n%s", others.c_str());
}

// ---- Command line ------------------------------------------------------------------------

tcp::endpoint parse_endpoint(net::io_context& ioc, const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("expected HOST:PORT, got " + text);
  tcp::resolver resolver(ioc);
  const auto results = resolver.resolve(text.substr(0, colon), text.substr(colon + 1));
  if (results.empty()) throw std::runtime_error("cannot resolve " + text);
  return results.begin()->endpoint();
}

std::size_t parse_count(const std::string& text, std::size_t low, std::size_t high) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < low || value > high) {
    throw std::runtime_error("expected a number in [" + std::to_string(low) + ", " + std::to_string(high) + "], got " + text);
  }
  return static_cast<std::size_t>(value);
}

constexpr const char* kUsage =
    "usage: herd_bench --proxy HOST:PORT --upstream HOST:PORT --token ADMIN_TOKEN\n"
    "                  [--clients 200] [--pages 20] [--rounds 5] [--per-page 50] [--label TEXT]\n";

Options parse_options(net::io_context& ioc, int argc, char** argv) {
  Options options;
  std::string proxy, upstream;
  for (int i = 1; i < argc; ++i) {
    const std::string_view name = argv[i];
    if (name == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) throw std::runtime_error(std::string(name) + " needs a value");
    const std::string value = argv[++i];
    if (name == "--proxy") {
      proxy = value;
    } else if (name == "--upstream") {
      upstream = value;
    } else if (name == "--token") {
      options.token = value;
    } else if (name == "--clients") {
      options.clients = parse_count(value, 1, 10'000);
    } else if (name == "--pages") {
      options.pages = parse_count(value, 1, 10'000);
    } else if (name == "--rounds") {
      options.rounds = parse_count(value, 1, 1'000);
    } else if (name == "--per-page") {
      options.per_page = parse_count(value, 1, 1'000);
    } else if (name == "--label") {
      options.label = value;
    } else {
      throw std::runtime_error("unknown option " + std::string(name));
    }
  }
  if (proxy.empty() || upstream.empty() || options.token.empty()) throw std::runtime_error("--proxy, --upstream and --token are required");
  options.proxy = parse_endpoint(ioc, proxy);
  options.upstream = parse_endpoint(ioc, upstream);
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  net::io_context ioc(1);
  Options options;
  try {
    options = parse_options(ioc, argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "herd_bench: %s\n%s", e.what(), kUsage);
    return 1;
  }
  std::printf("== herd: %s ==\n", options.label.empty() ? "foilcache" : options.label.c_str());
  std::printf("%zu clients (one keep-alive connection each, opened before the release), %zu pages, "
              "%zu rounds after POST %s; latency = request write -> full response read\n",
              options.clients, options.pages, options.rounds, std::string(kInvalidatePath).c_str());
  std::vector<RoundResult> rounds;
  try {
    rounds.push_back(run_round(ioc, options, 0, false));
    for (std::size_t r = 1; r <= options.rounds; ++r) rounds.push_back(run_round(ioc, options, r, true));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "herd_bench: %s\n", e.what());
    return 1;
  }
  report(options, rounds);
  bool clean = true;
  for (const auto& round : rounds) {
    for (const auto& sample : round.samples) clean = clean && !sample.ec && sample.status == 200;
  }
  if (!clean) std::printf("some herd requests failed or were not 200 (errors / non200 columns)\n");
  return clean ? 0 : 2;
}
