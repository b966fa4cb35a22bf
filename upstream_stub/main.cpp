// upstream-stub: runs a StubServer until SIGINT/SIGTERM. Prints one line
// "upstream-stub listening on http://HOST:PORT" (the bound port, also for --listen :0)
// to stdout once it accepts connections.
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "common/net.hpp"
#include "upstream_stub/stub_server.hpp"

namespace {

using foilcache::stub::StubOptions;

constexpr std::string_view kUsage =
    "usage: upstream-stub [options]\n"
    "  --listen HOST:PORT       address to serve (default 127.0.0.1:5000; port 0 = any free)\n"
    "  --threads N              io threads (default 2)\n"
    "  --latency-scale F        multiply simulated database latency (0 disables it; default 1)\n"
    "  --game-size BYTES        size of every /api/get_game/{id} file (default 1073741824)\n"
    "  --titles N               titles in the synthetic library (default 1200)\n"
    "  --seed N                 library seed (default 42)\n"
    "  --shop-host HOST[:PORT]  enable Tinfoil Host/Hauth verification for this host\n"
    "  --shop-hauth VALUE       expected Hauth (default: set by the first admin login)\n"
    "  --shop-public            the Tinfoil index and downloads need no credentials\n"
    "  --shop-encrypt           answer the index in Tinfoil's encrypted format\n"
    "  --relative-urls          MyFoil's relative download URLs instead of absolute ones\n"
    "  --webhook-url URL        after a scan, POST a signed webhook here (http only) and\n"
    "                           answer the scan once it was answered (5 s bound)\n"
    "  --webhook-secret S       HMAC-SHA256 key of the webhook's X-Foilcache-Signature\n"
    "  --webhook-event NAME     the webhook's \"event\" (default library_updated)\n"
    "  --socketio-redis URL     PUBLISH the app's Socket.IO events (library_updated,\n"
    "                           job_update) on this Redis: redis://[:PASSWORD@]HOST[:PORT][/DB]\n"
    "  --socketio-channel NAME  their channel (default flask-socketio)\n"
    "  --socketio-format F      python-socketio wire format: json (>= 5.15.1, default),\n"
    "                           json-legacy (5.15.0), json-5.14 (5.14.x), pickle (< 5.14)\n"
    "  --library-change-every D a background library change every D (default off)\n"
    "  --library-change-debounce D  library_updated once D passed without another change\n"
    "                           (the app: 10s; default 0)\n"
    "  --job-step D             pause before each transition of a background job (default 0)\n"
    "  --jobs-fail              background jobs end \"failed\" and change nothing\n"
    "  --help                   this text\n"
    "durations: 250ms, 10s, 2m, 1h (a bare number is seconds)\n"
    "control: POST /__stub/library-change, POST /__stub/socketio-noise, GET /__stub/socketio,\n"
    "         GET|POST /__stub/jobs[?outcome=completed|failed] (see stub_server.hpp)\n"
    "users: alice/alice-pw, bob/bob-pw (shop), admin/admin-pw (admin); also\n"
    "       'Authorization: Bearer token-<user>' and 'Cookie: session=sess-<user>'\n";

bool parse_u64(std::string_view text, std::uint64_t& out) {
  if (text.empty()) return false;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || v > (UINT64_MAX - 9) / 10) return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = v;
  return true;
}

// "250ms", "10s", "2m", "1h"; a bare number is seconds.
bool parse_duration(std::string_view text, std::chrono::milliseconds& out) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  std::uint64_t n = 0;
  if (!parse_u64(text.substr(0, digits), n) || n > 1'000'000'000) return false;
  const std::string_view unit = text.substr(digits);
  std::uint64_t scale = 0;
  if (unit == "ms") scale = 1;
  if (unit.empty() || unit == "s") scale = 1000;
  if (unit == "m") scale = 60'000;
  if (unit == "h") scale = 3'600'000;
  if (scale == 0) return false;
  out = std::chrono::milliseconds{static_cast<std::int64_t>(n * scale)};
  return true;
}

// "HOST:PORT" or "[V6]:PORT".
bool parse_listen(std::string_view text, StubOptions& opt) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  std::uint64_t port = 0;
  if (host.empty() || !parse_u64(text.substr(colon + 1), port) || port > 65535) return false;
  opt.address = std::string(host);
  opt.port = static_cast<std::uint16_t>(port);
  return true;
}

// The Socket.IO and background-change options: nullopt when `arg` is none of them, else
// an error text ("" when fine).
template <typename Value>
std::optional<std::string> parse_event_option(std::string_view arg, Value&& value,
                                              StubOptions& opt) {
  auto duration = [&](std::chrono::milliseconds& out) -> std::string {
    const auto v = value();
    return v && parse_duration(*v, out) ? "" : "expected a duration such as 500ms or 10s";
  };
  if (arg == "--socketio-redis") {
    const auto v = value();
    if (!v || !foilcache::stub::parse_redis_url(*v)) return "expected redis://HOST[:PORT][/DB]";
    opt.socketio_redis_url = std::string(*v);
  } else if (arg == "--socketio-channel") {
    const auto v = value();
    if (!v || v->empty()) return "expected a channel name";
    opt.socketio_channel = std::string(*v);
  } else if (arg == "--socketio-format") {
    const auto v = value();
    const auto f = v ? foilcache::stub::parse_socketio_format(*v) : std::nullopt;
    if (!f) return "expected json, json-legacy, json-5.14 or pickle";
    opt.socketio_format = *f;
  } else if (arg == "--library-change-every") {
    return duration(opt.library_change_every);
  } else if (arg == "--library-change-debounce") {
    return duration(opt.library_change_debounce);
  } else if (arg == "--job-step") {
    return duration(opt.job_step);
  } else if (arg == "--jobs-fail") {
    opt.jobs_fail = true;
  } else {
    return std::nullopt;
  }
  return "";
}

// Fills `opt` from argv; returns an exit code when the program should end now.
std::optional<int> parse_args(int argc, char** argv, StubOptions& opt) {
  opt.port = 5000;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::optional<std::string_view> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string_view(argv[++i]);
    };
    auto fail = [&](std::string_view why) {
      std::cerr << "upstream-stub: " << why << " (" << arg << ")\n" << kUsage;
      return 2;
    };
    std::uint64_t n = 0;
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "--listen") {
      const auto v = value();
      if (!v || !parse_listen(*v, opt)) return fail("expected HOST:PORT");
    } else if (arg == "--threads") {
      const auto v = value();
      if (!v || !parse_u64(*v, n) || n == 0 || n > 256) return fail("expected 1..256");
      opt.io_threads = static_cast<int>(n);
    } else if (arg == "--latency-scale") {
      const auto v = value();
      char* end = nullptr;
      const std::string s(v.value_or(""));
      const double f = std::strtod(s.c_str(), &end);
      if (!v || s.empty() || *end != '\0' || !(f >= 0.0)) return fail("expected a number >= 0");
      opt.latency_scale = f;
    } else if (arg == "--game-size") {
      const auto v = value();
      if (!v || !parse_u64(*v, n)) return fail("expected a byte count");
      opt.game_size = n;
    } else if (arg == "--titles") {
      const auto v = value();
      if (!v || !parse_u64(*v, n) || n > 60000) return fail("expected 0..60000");
      opt.base_titles = static_cast<std::size_t>(n);
    } else if (arg == "--seed") {
      const auto v = value();
      if (!v || !parse_u64(*v, n)) return fail("expected a number");
      opt.library_seed = n;
    } else if (arg == "--shop-host") {
      const auto v = value();
      if (!v) return fail("expected HOST[:PORT]");
      opt.shop_host = std::string(*v);
    } else if (arg == "--shop-hauth") {
      const auto v = value();
      if (!v) return fail("expected a value");
      opt.shop_hauth = std::string(*v);
    } else if (arg == "--shop-public") {
      opt.shop_public = true;
    } else if (arg == "--shop-encrypt") {
      opt.shop_encrypt = true;
    } else if (arg == "--relative-urls") {
      opt.shop_absolute_urls = false;
    } else if (arg == "--webhook-url") {
      const auto v = value();
      if (!v) return fail("expected a URL");
      opt.webhook_url = std::string(*v);
    } else if (arg == "--webhook-secret") {
      const auto v = value();
      if (!v) return fail("expected a secret");
      opt.webhook_secret = std::string(*v);
    } else if (arg == "--webhook-event") {
      const auto v = value();
      if (!v) return fail("expected an event name");
      opt.webhook_event = std::string(*v);
    } else if (auto handled = parse_event_option(arg, value, opt)) {
      if (!handled->empty()) return fail(*handled);
    } else {
      return fail("unknown option");
    }
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  StubOptions options;
  if (auto code = parse_args(argc, argv, options)) return *code;
  try {
    // Signals are routed through Asio on this thread; the server runs its own io threads.
    foilcache::net::io_context signal_ioc(1);
    foilcache::net::signal_set signals(signal_ioc, SIGINT, SIGTERM);
    signals.async_wait([](const foilcache::error_code&, int) {});

    foilcache::stub::StubServer server(options);
    server.start();
    const bool v6 = options.address.find(':') != std::string::npos;
    std::cout << "upstream-stub listening on http://" << (v6 ? "[" : "") << options.address
              << (v6 ? "]" : "") << ":" << server.port() << std::endl;
    signal_ioc.run();
    server.stop();
  } catch (const std::exception& e) {
    std::cerr << "upstream-stub: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
