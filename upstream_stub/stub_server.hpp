// StubServer: an in-process stand-in for the library service (MyFoil) for demos,
// integration tests and benchmarks. HTTP/1.1 keep-alive over Boost.Beast coroutines on
// its own io threads; simulated database latency with timers.
//
// Routes (shaped like MyFoil v2.5.0's; see library_model.hpp, stub_handlers.hpp and the
// route files named in app_routes.hpp):
//   GET  /api/library/paged, /api/library, /api/library/search/paged, /api/stats/overview
//        shop access; bodies depend on the caller (per-user ignore flags)
//   GET  /api/app_info/{id}, /api/titledb_data/{title_id}, /api/tags, /api/upcoming,
//        /api/titles/{title_id}/tags, /api/games/{tid}/custom          shop access
//   GET  /api/system/info, /api/image_proxy?url=U (local data, see image_proxy.cpp)  no auth
//   GET  /, /index.json, /tinfoil.json    the Tinfoil shop index (tinfoil_access)
//   GET|HEAD /api/get_game/{id}           a game_size-byte file (game_bytes.hpp), Range
//   GET|POST /api/library/ignore/{tid}    shop; the caller's ignore record / one flag of it
//   GET|POST /api/wishlist, GET|POST /api/wishlist/ignore/{tid},
//        PUT|DELETE /api/wishlist/{id}    login (session cookie); the caller's wishlist
//   POST /api/games/{tid}/custom          shop; one title's name, description, icons...
//   POST /api/library/metadata/refresh/{tid}   shop; one title's metadata
//   PUT|DELETE /api/tags/{id}, POST /api/settings/shop, POST /api/files/delete/{id},
//        POST /api/cleanup/orphaned, POST /api/library/match-rawg    admin; change shared data
//   POST /api/system/metadata/fetch, /api/library/metadata/refresh-all,
//        /api/settings/titledb/update, /api/system/reidentify-all
//                                         admin; start a background job (job_update events)
//   POST /api/settings/titles, GET|POST|PUT|DELETE /api/settings/titledb/sources,
//        POST /api/settings/titledb/sources/reorder   admin; what /api/system/info shows
//   GET|POST|DELETE /api/settings/library/paths, POST /api/settings/keys (multipart)
//                                         admin; the library changes as after a scan
//   POST /api/backup/restore, POST /api/renaming/run   admin (settings_routes.cpp)
//   GET /api/users, POST|DELETE /api/user, GET|POST /api/settings/tokens,
//        DELETE /api/settings/tokens/{id} admin; POST /api/change_password (session): who
//                                         may call (account_routes.cpp)
//   POST /api/library/scan                admin; bumps the library generation, announces
//                                         library_updated, then (with webhook_url) delivers
//                                         the signed webhook before answering
//   POST /api/upload                      no auth; streams the body, answers {"bytes","crc32"}
//   /socket.io/                           Engine.IO polling open packet; WebSocket echo
//   /__stub/counters, /__stub/reset, /__stub/respond, /__stub/mode   test control
//   /__stub/echo                          the request as received (line, fields, body) as text
//   POST /__stub/library-change           a background library change (generation + 1,
//                                         then library_updated)
//   GET  /__stub/socketio                 the publisher's counters; POST
//        /__stub/socketio-noise           one enter_room/leave_room/disconnect/close_room/
//                                         callback message on the channel
//   GET|POST /__stub/jobs[?outcome=completed|failed]   job records; how later jobs end
// Paths are routed as the app's Werkzeug routes them (path_info.hpp): percent-decoded once,
// leading slashes stripped; an empty segment is Werkzeug's 308 to the merged path, or a 404.
// The counters keep each path as received.
// Events: with socketio_redis_url the app's Socket.IO messages (library_updated, job_update)
// are PUBLISHed on socketio_channel in socketio_format (socketio_message.hpp).
// Credentials: Basic name:password, "Bearer token-<name>", cookie session=sess-<name> or
// remember_token=remember-<name>, of the accounts the app knows now (StubState::accounts).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "upstream_stub/event_sink.hpp"
#include "upstream_stub/jobs.hpp"
#include "upstream_stub/stub_options.hpp"

namespace foilcache::stub {

class StubServer {
 public:
  explicit StubServer(StubOptions options);
  ~StubServer();  // stop()s
  StubServer(const StubServer&) = delete;
  StubServer& operator=(const StubServer&) = delete;

  // Binds, listens and starts the io threads. Throws boost::system::system_error when the
  // address cannot be bound. Call once. (The constructor throws std::invalid_argument for a
  // malformed socketio_redis_url.)
  void start();
  // The bound port (the ephemeral one when options.port was 0). Valid after start().
  std::uint16_t port() const;
  // Stops accepting, abandons open connections and joins the io threads. Idempotent;
  // must not be called from an io thread of this server.
  void stop();

  // Requests seen per path (target without query); /__stub/* is not counted.
  std::map<std::string, std::uint64_t> counters() const;
  std::uint64_t count(std::string_view path) const;
  // Client connections open now (a proxy's pooled keep-alive connections included).
  std::int64_t open_connections() const;
  void reset_counters();
  // The current library generation (0 at start, +1 per scan or background change).
  std::uint64_t library_generation() const;
  // The Socket.IO publisher's counters (all zero without socketio_redis_url).
  SocketIoStats socketio_stats() const;
  // Every background job's latest record, by id.
  std::vector<JobRecord> jobs() const;
  const StubOptions& options() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace foilcache::stub
