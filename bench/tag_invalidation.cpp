// tag_invalidation_bench: how long foilcache takes to invalidate a tag that covers N entries
// (default 1,000,000), and whether Redis stalls meanwhile.
//
//   tag_invalidation_bench REDIS_PORT FOILCACHE_PORT ADMIN_TOKEN [ENTRIES]
//
// Expects a private redis-server on 127.0.0.1:REDIS_PORT and foilcache on
// 127.0.0.1:FOILCACHE_PORT configured with bench/foilcache-invalidation.yaml (prefix
// "foilcache-bench:", route GET /bench keyed "bench:{query.n}", tag `library`), in front of
// an upstream that does not know /bench (misses are 404s, never stored).
// bench/run-invalidation.sh starts all of it. Steps:
//   1. seed ENTRIES encoded entries with pipelined SETs (hiredis, batches of kSeedBatch);
//   2. check that a sample of them is served as X-Cache: HIT through foilcache;
//   3. run two GET streams in their own threads (raw Redis GET; HTTP GET through foilcache),
//      and after a baseline invalidate the tag kInvalidations times through the admin API,
//      then kInvalidations raw INCRs of the generation key;
//   4. for contrast, remove the same keys with pattern invalidation (SCAN + UNLINK) while the
//      raw Redis stream runs.
// Each window is reported twice: client-side latencies, and Redis' own slow log and command
// stats (reset before the window), because with the load generator on the same cores a slow
// GET on the client does not prove a slow Redis. Those resets (CONFIG SET/RESETSTAT, SLOWLOG
// RESET) are why the Redis must be a private one.
// Prints a plain-text report; exits non-zero when a precondition or request failed.
// Single-threaded except for the streams; nothing here is shared with foilcache's code but
// the entry codec, so the seeded values are exactly what foilcache stores.
#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "proxy/cache/entry.hpp"
#include "common/net.hpp"
#include "proxy/cache/entry_codec.hpp"

namespace {

using namespace foilcache;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::string_view kPrefix = "foilcache-bench:";  // redis.prefix of the bench config
constexpr std::string_view kTag = "library";
constexpr std::size_t kDefaultEntries = 1'000'000;
constexpr std::size_t kSeedBatch = 1000;                  // SETs per pipelined round trip
constexpr std::size_t kBodyBytes = 200;
constexpr std::uint32_t kTtlS = 3600;                     // the route's ttl: 1h
constexpr std::size_t kVerifySample = 20;
constexpr int kInvalidations = 5;                         // admin-API invalidations, then raw INCRs
constexpr milliseconds kBaseline{1000};                   // streams alone before the first one
constexpr milliseconds kSpacing{200};                     // between two invalidations
constexpr milliseconds kTail{1000};                       // streams go on after the last one
constexpr milliseconds kPatternBaseline{500};
constexpr milliseconds kRedisTimeout{5000};               // any one Redis command of the bench
constexpr milliseconds kHttpTimeout{5000};                // any one HTTP exchange but the next
constexpr milliseconds kPatternTimeout{300'000};          // SCAN + UNLINK of every key: O(N)

double to_ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string entry_key(std::size_t i) { return std::string(kPrefix) + "bench:" + std::to_string(i); }
std::string generation_key() { return std::string(kPrefix) + "@gen:" + std::string(kTag); }

// A ~kBodyBytes JSON document that names its entry, so a HIT can be checked byte for byte.
std::string entry_body(std::size_t i) {
  std::string body = "{\"id\":" + std::to_string(i) + ",\"name\":\"Bench title " + std::to_string(i) +
                     "\",\"publisher\":\"foilcache\",\"size\":1073741824,\"padding\":\"";
  const std::string tail = "\"}";
  body.append(kBodyBytes > body.size() + tail.size() ? kBodyBytes - body.size() - tail.size() : 0, 'x');
  return body + tail;
}

// ---- hiredis (sync) --------------------------------------------------------------------

struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using RedisPtr = std::unique_ptr<redisContext, ContextFree>;
using ReplyPtr = std::unique_ptr<redisReply, ReplyFree>;

timeval to_timeval(milliseconds d) {
  return timeval{static_cast<time_t>(d.count() / 1000), static_cast<suseconds_t>(d.count() % 1000 * 1000)};
}

// A connection whose every read and write is bounded by `timeout` (SO_RCVTIMEO/SNDTIMEO).
RedisPtr redis_connect(std::uint16_t port, milliseconds timeout) {
  RedisPtr c(redisConnectWithTimeout("127.0.0.1", port, to_timeval(timeout)));
  if (!c || c->err) throw std::runtime_error("redis connect: " + std::string(c ? c->errstr : "out of memory"));
  if (redisSetTimeout(c.get(), to_timeval(timeout)) != REDIS_OK) throw std::runtime_error("redis set timeout");
  return c;
}

// Sends one command; nullptr on a connection error or timeout (the context is then unusable).
ReplyPtr redis_command(redisContext* c, std::initializer_list<std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  return ReplyPtr(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lengths.data())));
}

ReplyPtr redis_checked(redisContext* c, std::initializer_list<std::string_view> args) {
  ReplyPtr reply = redis_command(c, args);
  if (!reply) throw std::runtime_error("redis: " + std::string(c->errstr));
  if (reply->type == REDIS_REPLY_ERROR) throw std::runtime_error("redis error: " + std::string(reply->str));
  return reply;
}

// The tag's generation as foilcache reads it: a missing key is 0.
std::uint64_t read_generation(redisContext* c) {
  ReplyPtr reply = redis_checked(c, {"GET", generation_key()});
  return reply->type == REDIS_REPLY_STRING ? std::stoull(std::string(reply->str, reply->len)) : 0;
}

long long dbsize(redisContext* c) { return redis_checked(c, {"DBSIZE"})->integer; }

double used_memory_mib(redisContext* c) {
  ReplyPtr reply = redis_checked(c, {"INFO", "memory"});
  const std::string_view info(reply->str, reply->len);
  constexpr std::string_view kField = "used_memory:";
  const auto at = info.find(kField);
  if (at == std::string_view::npos) return -1;
  return std::strtod(std::string(info.substr(at + kField.size(), 24)).c_str(), nullptr) / (1024.0 * 1024.0);
}

// Redis' own view of a window, independent of client-side scheduling: the slow log (every
// command whose execution took >= kSlowLogUs inside redis-server) and the per-command
// execution counters of INFO commandstats, both reset by reset_server_stats().
constexpr long long kSlowLogUs = 500;

void reset_server_stats(redisContext* c) {
  redis_checked(c, {"CONFIG", "SET", "slowlog-log-slower-than", std::to_string(kSlowLogUs)});
  redis_checked(c, {"CONFIG", "SET", "slowlog-max-len", "100000"});
  redis_checked(c, {"SLOWLOG", "RESET"});
  redis_checked(c, {"CONFIG", "RESETSTAT"});
}

// "calls=N, usec_per_call=X" of `command` (lower case) since the last reset, or "no calls".
std::string command_stat(redisContext* c, std::string_view command) {
  ReplyPtr reply = redis_checked(c, {"INFO", "commandstats"});
  const std::string_view info(reply->str, reply->len);
  const std::string field = "cmdstat_" + std::string(command) + ":";
  const auto at = info.find(field);
  if (at == std::string_view::npos) return "no calls";
  const auto line = info.substr(at + field.size(), info.find('\r', at) - at - field.size());
  const auto value = [&](std::string_view name) {
    const auto from = line.find(name);
    if (from == std::string_view::npos) return std::string("?");
    const auto start = from + name.size();
    return std::string(line.substr(start, line.find(',', start) - start));
  };
  return "calls=" + value("calls=") + ", usec_per_call=" + value("usec_per_call=");
}

// One line on the slow log since the last reset: how many commands took >= kSlowLogUs, the
// longest, and which commands they were.
std::string slowlog_summary(redisContext* c) {
  ReplyPtr reply = redis_checked(c, {"SLOWLOG", "GET", "-1"});
  long long longest = 0;
  std::string longest_command;
  std::vector<std::pair<std::string, std::size_t>> by_command;
  for (std::size_t i = 0; i < reply->elements; ++i) {
    // [id, unix time, duration us, [argv...], client address, client name]
    const redisReply* entry = reply->element[i];
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements < 4) continue;
    const long long us = entry->element[2]->integer;
    const redisReply* argv = entry->element[3];
    std::string command = argv->elements > 0 ? std::string(argv->element[0]->str, argv->element[0]->len) : "?";
    if (us > longest) {
      longest = us;
      longest_command = command;
    }
    auto found = std::find_if(by_command.begin(), by_command.end(), [&](const auto& p) { return p.first == command; });
    if (found == by_command.end()) {
      by_command.emplace_back(command, 1);
    } else {
      ++found->second;
    }
  }
  if (reply->elements == 0) return "no command took >= " + std::to_string(kSlowLogUs) + " us";
  std::string out = std::to_string(reply->elements) + " commands took >= " + std::to_string(kSlowLogUs) + " us (";
  for (std::size_t i = 0; i < by_command.size(); ++i) {
    out += (i ? ", " : "") + by_command[i].first + " " + std::to_string(by_command[i].second);
  }
  return out + "), longest " + longest_command + " " + std::to_string(longest) + " us";
}

struct SeedResult {
  Clock::duration elapsed{};
  std::size_t value_bytes = 0;  // encoded size of entry 0
};

// SET <prefix>bench:<i> <encoded entry> PX <ttl>, pipelined kSeedBatch at a time: appended
// to hiredis' output buffer, which the first redisGetReply flushes in one write.
SeedResult seed(redisContext* c, std::size_t count, std::uint64_t generation) {
  cache::Entry entry;
  entry.status = 200;
  entry.headers = {{"Content-Type", "application/json"}};
  entry.stored_at_ms = std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  entry.ttl_s = kTtlS;
  entry.route = "bench";
  entry.tags = {{std::string(kTag), generation}};
  const std::string px = std::to_string(kTtlS * 1000);

  SeedResult out;
  std::vector<std::string> keys(kSeedBatch);
  std::vector<std::string> values(kSeedBatch);
  const auto started = Clock::now();
  for (std::size_t first = 0; first < count; first += kSeedBatch) {
    const std::size_t n = std::min(kSeedBatch, count - first);
    for (std::size_t j = 0; j < n; ++j) {
      keys[j] = entry_key(first + j);
      entry.body = entry_body(first + j);
      values[j] = cache::encode_entry(entry);
      const char* argv[] = {"SET", keys[j].data(), values[j].data(), "PX", px.data()};
      const std::size_t lengths[] = {3, keys[j].size(), values[j].size(), 2, px.size()};
      if (redisAppendCommandArgv(c, 5, argv, lengths) != REDIS_OK) throw std::runtime_error("redis append");
    }
    if (first == 0) out.value_bytes = values[0].size();
    for (std::size_t j = 0; j < n; ++j) {
      void* raw = nullptr;
      if (redisGetReply(c, &raw) != REDIS_OK) throw std::runtime_error("redis seed: " + std::string(c->errstr));
      ReplyPtr reply(static_cast<redisReply*>(raw));
      if (reply->type != REDIS_REPLY_STATUS) throw std::runtime_error("redis seed: SET did not answer OK");
    }
  }
  out.elapsed = Clock::now() - started;
  return out;
}

// ---- HTTP/1.1 client (Beast) -------------------------------------------------------------

// One keep-alive connection to foilcache. Every exchange is bounded: the operations are
// asynchronous on a private io_context run to completion by the calling thread, so the
// stream's expiry (which sync Beast calls would not honour) cancels a stuck one.
// Not thread-safe: one per thread.
class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port) : endpoint_(net::ip::make_address_v4("127.0.0.1"), port), stream_(ioc_) {}

  error_code connect(milliseconds timeout) {
    error_code result;
    stream_.expires_after(timeout);
    stream_.async_connect(endpoint_, [&](error_code ec) { result = ec; });
    run();
    if (!result) stream_.socket().set_option(tcp::no_delay(true), result);
    return result;
  }

  // Sends `request` and reads the whole response into `response`; reconnects first when the
  // previous response closed the connection.
  error_code exchange(http::request<http::string_body>& request, http::response<http::string_body>& response,
                      milliseconds timeout) {
    if (closed_) {
      stream_.close();
      buffer_.clear();
      if (auto ec = connect(timeout)) return ec;
      closed_ = false;
    }
    error_code result;
    response = http::response<http::string_body>{};
    stream_.expires_after(timeout);
    http::async_write(stream_, request, [&](error_code ec, std::size_t) {
      if (ec) {
        result = ec;
        return;
      }
      http::async_read(stream_, buffer_, response, [&](error_code read_ec, std::size_t) { result = read_ec; });
    });
    run();
    closed_ = result || !response.keep_alive();
    return result;
  }

 private:
  void run() {
    ioc_.restart();
    ioc_.run();
  }

  tcp::endpoint endpoint_;
  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bool closed_ = false;
};

http::request<http::string_body> bench_get(std::size_t i) {
  http::request<http::string_body> request{http::verb::get, "/bench?n=" + std::to_string(i), 11};
  request.set(http::field::host, "127.0.0.1");
  return request;
}

http::request<http::string_body> admin_post(std::string target, const std::string& token) {
  http::request<http::string_body> request{http::verb::post, std::move(target), 11};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::authorization, "Bearer " + token);
  request.prepare_payload();  // Content-Length: 0
  return request;
}

// ---- GET streams ---------------------------------------------------------------------------

enum class CacheResult : std::uint8_t {
  kNone,  // the raw Redis stream, or no X-Cache header
  kHit,
  kMiss,
  kOther,  // BYPASS, STALE, ...
};

struct Sample {
  Clock::time_point start;
  Clock::time_point end;
  CacheResult cache = CacheResult::kNone;
  unsigned status = 0;
};

struct Stream {
  std::vector<Sample> samples;
  std::string error;  // why the stream ended early (empty: stopped when asked)
};

// Raw Redis: GET <prefix>bench:<random i> back to back on its own connection.
void redis_stream(std::uint16_t port, std::size_t count, std::uint64_t seed, const std::atomic<bool>& stop,
                  std::latch& ready, Stream& out) {
  RedisPtr c;
  try {
    c = redis_connect(port, kRedisTimeout);
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  ready.arrive_and_wait();
  if (!c) return;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, count - 1);
  out.samples.reserve(1 << 20);
  while (!stop.load(std::memory_order_relaxed)) {
    const std::string key = entry_key(pick(rng));
    const auto start = Clock::now();
    ReplyPtr reply = redis_command(c.get(), {"GET", key});
    const auto end = Clock::now();
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
      out.error = reply ? std::string(reply->str) : std::string(c->errstr);
      return;
    }
    out.samples.push_back({start, end, CacheResult::kNone, 0});
  }
}

// Through foilcache: keep-alive GET /bench?n=<random i> back to back.
void http_stream(std::uint16_t port, std::size_t count, std::uint64_t seed, const std::atomic<bool>& stop,
                 std::latch& ready, Stream& out) {
  HttpClient client(port);
  const error_code connected = client.connect(kHttpTimeout);
  if (connected) out.error = "connect: " + connected.message();
  ready.arrive_and_wait();
  if (connected) return;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, count - 1);
  out.samples.reserve(1 << 18);
  http::response<http::string_body> response;
  while (!stop.load(std::memory_order_relaxed)) {
    auto request = bench_get(pick(rng));
    const auto start = Clock::now();
    const error_code ec = client.exchange(request, response, kHttpTimeout);
    const auto end = Clock::now();
    if (ec) {
      out.error = ec.message();
      return;
    }
    const auto x_cache = response["X-Cache"];
    const CacheResult cache = x_cache.empty()    ? CacheResult::kNone
                              : x_cache == "HIT"  ? CacheResult::kHit
                              : x_cache == "MISS" ? CacheResult::kMiss
                                                  : CacheResult::kOther;
    out.samples.push_back({start, end, cache, response.result_int()});
  }
}

// ---- statistics -----------------------------------------------------------------------------

struct Summary {
  std::size_t count = 0;
  double p50 = 0, p99 = 0, max = 0;  // ms
};

// Nearest-rank percentiles of the latencies of `samples` that pass `keep`.
template <typename Keep>
Summary summarize(const std::vector<Sample>& samples, Keep keep) {
  std::vector<double> latencies;
  for (const auto& s : samples) {
    if (keep(s)) latencies.push_back(to_ms(s.end - s.start));
  }
  Summary out;
  out.count = latencies.size();
  if (latencies.empty()) return out;
  std::sort(latencies.begin(), latencies.end());
  const auto rank = [&](double q) {
    const auto r = static_cast<std::size_t>(std::ceil(q * static_cast<double>(latencies.size())));
    return latencies[std::clamp<std::size_t>(r, 1, latencies.size()) - 1];
  };
  out.p50 = rank(0.50);
  out.p99 = rank(0.99);
  out.max = latencies.back();
  return out;
}

// Samples answered within [from, to): a GET held up by an invalidation is answered after the
// invalidation was sent, so it lands in the invalidation's window, not in the baseline.
auto answered_in(Clock::time_point from, Clock::time_point to) {
  return [from, to](const Sample& s) { return s.end >= from && s.end < to; };
}

struct Interval {
  Clock::time_point start, end;
};

// Samples in flight at some moment of one of `intervals` (the GETs an invalidation could delay).
auto overlapping(const std::vector<Interval>& intervals) {
  return [&intervals](const Sample& s) {
    return std::any_of(intervals.begin(), intervals.end(),
                       [&](const Interval& i) { return s.start < i.end && s.end > i.start; });
  };
}

void print_row(const char* stream, const char* window, const Summary& s) {
  std::printf("  %-12s %-40s %8zu %9.3f %9.3f %9.3f\n", stream, window, s.count, s.p50, s.p99, s.max);
}

void print_header() {
  std::printf("  %-12s %-40s %8s %9s %9s %9s\n", "stream", "window", "count", "p50 ms", "p99 ms",
              "max ms");
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

struct Timed {
  Interval interval;
  unsigned status = 0;
  std::string body;
  double ms() const { return to_ms(interval.end - interval.start); }
};

// ---- the run ----------------------------------------------------------------------------------

struct Args {
  std::uint16_t redis_port = 0;
  std::uint16_t proxy_port = 0;
  std::string token;
  std::size_t entries = kDefaultEntries;
};

int run(const Args& args) {
  bool ok = true;
  RedisPtr admin = redis_connect(args.redis_port, kRedisTimeout);
  std::printf("== tag invalidation: %zu entries under one tag (redis 127.0.0.1:%u, foilcache 127.0.0.1:%u) ==\n",
              args.entries, args.redis_port, args.proxy_port);
  std::printf("nproc=%u; the streams, this program, foilcache, redis-server and the upstream share these cores\n",
              std::thread::hardware_concurrency());

  // 1. Seed.
  const std::uint64_t generation = read_generation(admin.get());
  const SeedResult seeded = seed(admin.get(), args.entries, generation);
  const double seed_s = to_ms(seeded.elapsed) / 1000;
  std::printf("\n[seed] %zu SETs (value %zu B: encoded entry with a %zu B JSON body, tag %s@%llu), pipelined %zu per "
              "round trip: %.2f s (%.0f SET/s)\n",
              args.entries, seeded.value_bytes, kBodyBytes, std::string(kTag).c_str(),
              static_cast<unsigned long long>(generation), kSeedBatch, seed_s,
              static_cast<double>(args.entries) / seed_s);
  std::printf("[seed] DBSIZE %lld, used_memory %.1f MiB\n", dbsize(admin.get()), used_memory_mib(admin.get()));

  // 2. A sample must be served from the seeded entries, body and all.
  {
    HttpClient client(args.proxy_port);
    if (auto ec = client.connect(kHttpTimeout)) throw std::runtime_error("foilcache connect: " + ec.message());
    std::mt19937_64 rng(1);
    std::uniform_int_distribution<std::size_t> pick(0, args.entries - 1);
    std::size_t hits = 0;
    http::response<http::string_body> response;
    for (std::size_t k = 0; k < kVerifySample; ++k) {
      const std::size_t i = pick(rng);
      auto request = bench_get(i);
      if (auto ec = client.exchange(request, response, kHttpTimeout)) throw std::runtime_error("verify: " + ec.message());
      if (response["X-Cache"] == "HIT" && response.body() == entry_body(i)) {
        ++hits;
      } else {
        std::printf("[verify] GET /bench?n=%zu: status %u, X-Cache '%s'\n", i, response.result_int(),
                    std::string(response["X-Cache"]).c_str());
      }
    }
    std::printf("[verify] %zu/%zu random GET /bench?n=<i> answered X-Cache: HIT with the seeded body\n", hits,
                kVerifySample);
    if (hits != kVerifySample) return 1;
  }

  // 3. Tag invalidation under two GET streams.
  HttpClient admin_http(args.proxy_port);
  if (auto ec = admin_http.connect(kHttpTimeout)) throw std::runtime_error("foilcache connect: " + ec.message());
  RedisPtr incr_conn = redis_connect(args.redis_port, kRedisTimeout);

  reset_server_stats(admin.get());
  std::atomic<bool> stop{false};
  std::latch ready(3);  // both streams connected, and this thread
  Stream redis_gets, http_gets;
  std::thread redis_thread(redis_stream, args.redis_port, args.entries, 2, std::cref(stop), std::ref(ready),
                           std::ref(redis_gets));
  std::thread http_thread(http_stream, args.proxy_port, args.entries, 3, std::cref(stop), std::ref(ready),
                          std::ref(http_gets));
  ready.arrive_and_wait();
  const auto t0 = Clock::now();

  std::vector<Timed> invalidations, incrs;
  auto next = t0 + kBaseline;
  for (int k = 0; k < kInvalidations; ++k, next += kSpacing) {
    std::this_thread::sleep_until(next);  // a timed window, not synchronisation
    auto request = admin_post("/api/cache/invalidate/" + std::string(kTag), args.token);
    http::response<http::string_body> response;
    Timed t;
    t.interval.start = Clock::now();
    const error_code ec = admin_http.exchange(request, response, kHttpTimeout);
    t.interval.end = Clock::now();
    t.status = ec ? 0 : response.result_int();
    t.body = ec ? "error: " + ec.message() : trimmed(response.body());
    ok = ok && t.status == 200;
    invalidations.push_back(std::move(t));
  }
  for (int k = 0; k < kInvalidations; ++k, next += kSpacing) {
    std::this_thread::sleep_until(next);
    Timed t;
    t.interval.start = Clock::now();
    ReplyPtr reply = redis_command(incr_conn.get(), {"INCR", generation_key()});
    t.interval.end = Clock::now();
    t.status = reply && reply->type == REDIS_REPLY_INTEGER;
    t.body = t.status ? std::to_string(reply->integer) : "error";
    ok = ok && t.status;
    incrs.push_back(std::move(t));
  }
  const auto last_done = incrs.back().interval.end;
  std::this_thread::sleep_until(last_done + kTail);
  stop = true;
  redis_thread.join();
  http_thread.join();
  const auto t_end = Clock::now();
  const std::string slowlog_tag = slowlog_summary(admin.get());
  const std::string incr_stat = command_stat(admin.get(), "incr");
  const std::string get_stat = command_stat(admin.get(), "get");

  const auto first_sent = invalidations.front().interval.start;
  const auto first_done = invalidations.front().interval.end;
  std::printf("\n[invalidate] POST /api/cache/invalidate/%s, timed by the client (keep-alive connection), %d times "
              "%lld ms apart:\n",
              std::string(kTag).c_str(), kInvalidations, static_cast<long long>(kSpacing.count()));
  std::vector<double> times;
  for (std::size_t k = 0; k < invalidations.size(); ++k) {
    const auto& t = invalidations[k];
    // run-invalidation.sh sends no admin request before this one: #1 also pays foilcache's
    // first use of its admin path (OpenSSL's lazy initialisation among others).
    std::printf("  #%zu %.3f ms  %u %s%s\n", k + 1, t.ms(), t.status, t.body.c_str(),
                k == 0 ? "  (the first admin request this foilcache serves)" : "");
    times.push_back(t.ms());
  }
  std::printf("  median %.3f ms, max %.3f ms (target < 10 ms: %s)\n", median(times),
              *std::max_element(times.begin(), times.end()),
              *std::max_element(times.begin(), times.end()) < 10 ? "met" : "MISSED");
  times.clear();
  std::printf("[invalidate] raw INCR %s (hiredis, same Redis), %d times:\n  ", generation_key().c_str(), kInvalidations);
  for (const auto& t : incrs) {
    std::printf("%.3f ms (-> %s)  ", t.ms(), t.body.c_str());
    times.push_back(t.ms());
  }
  std::printf("\n  median %.3f ms, max %.3f ms\n", median(times), *std::max_element(times.begin(), times.end()));
  std::printf("[invalidate] DBSIZE still %lld: the stale entries stay until their TTL\n", dbsize(admin.get()));

  std::vector<Interval> busy;
  for (const auto& t : invalidations) busy.push_back(t.interval);
  std::vector<Interval> busy_incr;
  for (const auto& t : incrs) busy_incr.push_back(t.interval);

  std::printf("\n[streams] %.2f s; baseline = before the first invalidation was sent; invalidations = from then to "
              "the last INCR's answer; after = the %lld ms tail\n",
              to_ms(t_end - t0) / 1000, static_cast<long long>(kTail.count()));
  print_header();
  for (const auto* s : {&redis_gets, &http_gets}) {
    const char* name = s == &redis_gets ? "redis GET" : "http GET";
    print_row(name, "baseline", summarize(s->samples, answered_in(t0, first_sent)));
    print_row(name, "invalidations", summarize(s->samples, answered_in(first_sent, last_done)));
    print_row(name, "after", summarize(s->samples, answered_in(last_done, Clock::time_point::max())));
    print_row(name, "in flight during an admin invalidation", summarize(s->samples, overlapping(busy)));
    print_row(name, "in flight during a raw INCR", summarize(s->samples, overlapping(busy_incr)));
    if (!s->error.empty()) {
      std::printf("  %s stream ended early: %s\n", name, s->error.c_str());
      ok = false;
    }
  }
  // Which invalidation an outlier overlapped: the longest GET of each stream in flight during each.
  for (const auto* s : {&redis_gets, &http_gets}) {
    std::printf("  longest %s in flight during admin invalidation", s == &redis_gets ? "redis GET" : "http GET");
    for (std::size_t k = 0; k < busy.size(); ++k) {
      const std::vector<Interval> one{busy[k]};
      std::printf(" #%zu %.3f", k + 1, summarize(s->samples, overlapping(one)).max);
    }
    std::printf(" ms\n");
  }
  std::printf("[redis-server] during the streams: INCR %s; GET %s\n", incr_stat.c_str(), get_stat.c_str());
  std::printf("[redis-server] slow log: %s\n", slowlog_tag.c_str());
  std::printf("  (http GETs are HITs before the first invalidation and MISSes forwarded to the upstream after it:\n"
              "   compare the http rows for the X-Cache change, the redis rows for a Redis stall)\n");

  // X-Cache of the HTTP stream: before the first invalidation was sent, and sent after it
  // was answered (those must all miss: every entry recorded the old generation).
  std::size_t before[4] = {}, after[4] = {}, in_between = 0;
  std::size_t after_404 = 0;
  for (const auto& s : http_gets.samples) {
    if (s.end < first_sent) {
      ++before[static_cast<int>(s.cache)];
    } else if (s.start >= first_done) {
      ++after[static_cast<int>(s.cache)];
      after_404 += s.status == 404;
    } else {
      ++in_between;
    }
  }
  std::printf("[x-cache] before the first invalidation: HIT %zu, MISS %zu, other %zu\n", before[1], before[2],
              before[3] + before[0]);
  std::printf("[x-cache] sent after it was answered:    HIT %zu, MISS %zu, other %zu (upstream status 404: %zu)\n",
              after[1], after[2], after[3] + after[0], after_404);
  std::printf("[x-cache] in flight across it: %zu\n", in_between);
  ok = ok && after[1] == 0;

  // 4. Contrast: remove the same keys by pattern (SCAN + UNLINK, batches of 1000).
  const long long keys_before = dbsize(admin.get());
  std::atomic<bool> stop_pattern{false};
  std::latch pattern_ready(2);
  Stream pattern_gets;
  reset_server_stats(admin.get());
  std::thread pattern_thread(redis_stream, args.redis_port, args.entries, 4, std::cref(stop_pattern),
                             std::ref(pattern_ready), std::ref(pattern_gets));
  pattern_ready.arrive_and_wait();
  const auto p0 = Clock::now();
  std::this_thread::sleep_until(p0 + kPatternBaseline);
  auto request = admin_post("/api/cache/invalidate?pattern=bench:*", args.token);
  http::response<http::string_body> response;
  Timed pattern;
  pattern.interval.start = Clock::now();
  const error_code ec = admin_http.exchange(request, response, kPatternTimeout);
  pattern.interval.end = Clock::now();
  pattern.status = ec ? 0 : response.result_int();
  pattern.body = ec ? "error: " + ec.message() : trimmed(response.body());
  ok = ok && pattern.status == 200;
  std::this_thread::sleep_until(pattern.interval.end + kPatternBaseline);
  stop_pattern = true;
  pattern_thread.join();
  const auto p_end = Clock::now();
  const std::string slowlog_pattern = slowlog_summary(admin.get());
  const std::string scan_stat = command_stat(admin.get(), "scan");
  const std::string unlink_stat = command_stat(admin.get(), "unlink");

  std::printf("\n[pattern] POST /api/cache/invalidate?pattern=bench:* (SCAN MATCH + UNLINK, 1000 keys a step): %.1f ms"
              "  %u %s\n",
              pattern.ms(), pattern.status, pattern.body.c_str());
  std::printf("[pattern] DBSIZE %lld -> %lld, used_memory now %.1f MiB\n", keys_before, dbsize(admin.get()),
              used_memory_mib(admin.get()));
  print_header();
  const std::vector<Interval> pattern_busy{pattern.interval};
  print_row("redis GET", "baseline", summarize(pattern_gets.samples, answered_in(p0, pattern.interval.start)));
  print_row("redis GET", "during the pattern invalidation", summarize(pattern_gets.samples, overlapping(pattern_busy)));
  print_row("redis GET", "after", summarize(pattern_gets.samples, answered_in(pattern.interval.end, p_end)));
  std::printf("[redis-server] SCAN %s; UNLINK %s\n", scan_stat.c_str(), unlink_stat.c_str());
  std::printf("[redis-server] slow log: %s\n", slowlog_pattern.c_str());
  if (!pattern_gets.error.empty()) {
    std::printf("  redis GET stream ended early: %s\n", pattern_gets.error.c_str());
    ok = false;
  }
  std::printf("\nresult: %s\n", ok ? "ok" : "FAILED (see above)");
  return ok ? 0 : 1;
}

bool parse_port(const char* text, std::uint16_t& out) {
  char* end = nullptr;
  const unsigned long value = std::strtoul(text, &end, 10);
  if (*text == '\0' || *end != '\0' || value == 0 || value > 65535) return false;
  out = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (argc < 4 || argc > 5 || !parse_port(argv[1], args.redis_port) || !parse_port(argv[2], args.proxy_port)) {
    std::fprintf(stderr, "usage: tag_invalidation_bench REDIS_PORT FOILCACHE_PORT ADMIN_TOKEN [ENTRIES]\n");
    return 2;
  }
  args.token = argv[3];
  if (argc == 5) {
    char* end = nullptr;
    args.entries = std::strtoull(argv[4], &end, 10);
    if (*end != '\0' || args.entries == 0) {
      std::fprintf(stderr, "tag_invalidation_bench: ENTRIES must be a positive integer\n");
      return 2;
    }
  }
  try {
    return run(args);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "tag_invalidation_bench: %s\n", e.what());
    return 1;
  }
}
