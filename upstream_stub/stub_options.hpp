// Everything a StubServer is configured with: listen address, threads, simulated database
// latency, the synthetic library, users, the app's shop settings, its Socket.IO message
// queue and background changes, and the abuse limits. Plain data with defaults; no
// Asio/Beast here so tests and main include it cheaply.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "upstream_stub/socketio_message.hpp"

namespace foilcache::stub {

// One account of the stand-in app. Credentials it accepts (see stub_server.hpp):
// Basic name:password, "Bearer token-<name>", cookie "session=sess-<name>" or
// "remember_token=remember-<name>".
struct StubUser {
  std::string name;
  std::string password;
  bool shop = true;    // MyFoil "shop" access (browse, download)
  bool admin = false;  // MyFoil "admin" access (scan, settings)
  bool token = true;   // "Bearer token-<name>" is accepted (DELETE /api/settings/tokens/{id})
  std::int64_t id = 0;  // the User row's id (also its token's); 0: its 1-based position
};

// alice/alice-pw (shop), bob/bob-pw (shop), admin/admin-pw (admin + shop).
std::vector<StubUser> default_users();

// A uniformly drawn simulated latency; both ends inclusive. min > max is treated as max.
struct LatencyRange {
  std::chrono::milliseconds min{0};
  std::chrono::milliseconds max{0};
};

struct StubOptions {
  std::string address = "127.0.0.1";  // IPv4 or IPv6 literal
  std::uint16_t port = 0;             // 0: ephemeral, read it back with StubServer::port()
  int io_threads = 2;

  // Simulated database time before answering (timers; never blocks a thread).
  LatencyRange library_latency{std::chrono::milliseconds{50}, std::chrono::milliseconds{150}};
  LatencyRange system_info_latency{std::chrono::milliseconds{10}, std::chrono::milliseconds{30}};
  LatencyRange shop_latency{std::chrono::milliseconds{200}, std::chrono::milliseconds{400}};
  LatencyRange metadata_latency{std::chrono::milliseconds{5}, std::chrono::milliseconds{20}};
  double latency_scale = 1.0;  // multiplies every simulated latency; 0 disables them

  // Synthetic library: content is a pure function of (seed, generation); a scan bumps the
  // generation. base_titles + generation titles exist at a time.
  std::uint64_t library_seed = 42;
  std::size_t base_titles = 1200;
  std::uint64_t game_size = std::uint64_t{1} << 30;  // bytes of every /api/get_game/{id} file

  std::vector<StubUser> users = default_users();

  // MyFoil settings.yaml "shop:" section, as tinfoil_access and the index read them: the
  // initial values (POST /api/settings/shop changes them while the server runs).
  bool shop_public = false;                     // true: index and downloads need no auth
  std::string shop_motd = "Welcome to MyFoil";  // the index's "success" message
  std::string shop_host;      // "host[:port]" for Hauth verification; empty: verification off
  std::string shop_hauth;     // expected Hauth; empty: the first admin Basic login sets it
  bool shop_encrypt = false;  // Tinfoil-encrypted (random per response) index body
  // true: download URLs are absolute and embed the caller's Basic credentials, the scheme
  // (X-Forwarded-Proto, Cf-Visitor) and host (X-Forwarded-Host, Host), title ids lower-cased
  // for User-Agents containing "cyber"/"awoo" — the worst case a cache key must cover.
  // false: MyFoil's own relative URLs ("/api/get_game/{id}#{filename}").
  bool shop_absolute_urls = true;

  std::string build_version = "2.2.0-stub";

  // The library updater's webhook: after a scan bumped the generation, POST
  // {"event":webhook_event,"generation":n} to webhook_url (http only), signed with
  // webhook_secret (common/webhook_signature.hpp), and answer the scan only once it was
  // answered or webhook_timeout (connect, send and response together) ran out. Empty
  // webhook_url: nothing is sent.
  std::string webhook_url;
  std::string webhook_secret;
  std::string webhook_event = "library_updated";
  std::chrono::milliseconds webhook_timeout{5000};
  // Called on an io thread after a scan or a background change bumped the library
  // generation. Must not block.
  std::function<void(std::uint64_t generation)> on_library_changed;

  // The app's Socket.IO message queue (Flask-SocketIO message_queue=REDIS_URL): where
  // library_updated and job_update are PUBLISHed. Empty URL: nothing is published.
  std::string socketio_redis_url;  // redis://[[user]:password@]HOST[:PORT][/DB]
  std::string socketio_channel = "flask-socketio";
  SocketIoFormat socketio_format = SocketIoFormat::kJson;
  std::chrono::milliseconds socketio_timeout{2000};  // connect + AUTH, or one PUBLISH
  std::size_t socketio_queue_limit = 10000;  // waiting messages; beyond it new ones fail
  // library_updated follows a library change once this long passed without another one
  // (the app's post_library_change is @debounce(10)). 0: at once.
  std::chrono::milliseconds library_change_debounce{0};
  // A background library change (the app's file watcher, schedulers) every this long:
  // the generation is bumped, then library_updated follows. 0: off.
  std::chrono::milliseconds library_change_every{0};
  // Background jobs (metadata fetches, TitleDB update): the pause before each transition.
  std::chrono::milliseconds job_step{0};
  bool jobs_fail = false;  // jobs end "failed" and change nothing (POST /__stub/jobs?outcome=)

  // GET /api/image_proxy?url=U: "size=N" in U asks for an N-byte image, up to this.
  std::size_t image_max_size = 64 * 1024 * 1024;

  // Limits and timeouts.
  std::size_t header_limit = 16 * 1024;                  // request header bytes
  std::size_t body_limit = 1024 * 1024;                  // non-upload request bodies
  std::uint64_t upload_limit = std::uint64_t{64} << 30;  // POST /api/upload bodies
  std::size_t stream_chunk = 64 * 1024;                  // download/upload buffer per request
  std::size_t ws_message_limit = 1024 * 1024;            // one WebSocket message
  std::size_t respond_max_size = 64 * 1024 * 1024;       // /__stub/respond?size=
  std::chrono::milliseconds respond_max_delay{60'000};   // /__stub/respond?delay_ms=
  std::chrono::seconds io_timeout{30};  // one read or write (also the keep-alive idle time)
  std::chrono::milliseconds hang_timeout{600'000};  // how long fail=hang holds a request
};

}  // namespace foilcache::stub
