// StubServer: an in-process stand-in for the library service (MyFoil) for demos,
// integration tests and benchmarks. HTTP/1.1 keep-alive over Boost.Beast coroutines on
// its own io threads; simulated database latency with timers.
//
// Routes (shaped like the app's; see docs in library_model.hpp / stub_handlers.hpp):
//   GET  /api/library/paged, /api/library/search/paged, /api/stats/overview,
//        /api/app_info/{id}, /api/titledb_data/{title_id}, /api/tags, /api/upcoming
//        shop access; bodies depend on the caller (per-user ignore flags)
//   GET  /api/system/info                 no auth
//   GET  /, /index.json, /tinfoil.json    the Tinfoil shop index (tinfoil_access)
//   GET|HEAD /api/get_game/{id}           a game_size-byte file (game_bytes.hpp), Range
//   POST /api/library/scan                admin; bumps the library generation, then (with
//                                         webhook_url) delivers the signed webhook before
//                                         answering
//   POST /api/upload                      no auth; streams the body, answers {"bytes","crc32"}
//   /socket.io/                           Engine.IO polling open packet; WebSocket echo
//   /__stub/counters, /__stub/reset, /__stub/respond, /__stub/mode   test control
// Credentials: Basic name:password, "Bearer token-<name>", cookie session=sess-<name> or
// remember_token=remember-<name>.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "upstream_stub/stub_options.hpp"

namespace foilcache::stub {

class StubServer {
 public:
  explicit StubServer(StubOptions options);
  ~StubServer();  // stop()s
  StubServer(const StubServer&) = delete;
  StubServer& operator=(const StubServer&) = delete;

  // Binds, listens and starts the io threads. Throws boost::system::system_error when the
  // address cannot be bound. Call once.
  void start();
  // The bound port (the ephemeral one when options.port was 0). Valid after start().
  std::uint16_t port() const;
  // Stops accepting, abandons open connections and joins the io threads. Idempotent;
  // must not be called from an io thread of this server.
  void stop();

  // Requests seen per path (target without query); /__stub/* is not counted.
  std::map<std::string, std::uint64_t> counters() const;
  std::uint64_t count(std::string_view path) const;
  void reset_counters();
  // The current library generation (0 at start, +1 per scan).
  std::uint64_t library_generation() const;
  const StubOptions& options() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace foilcache::stub
