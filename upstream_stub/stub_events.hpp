// StubEvents: the I/O side of EventSink. On its own strand of the server's io_context it
// debounces library_updated, runs background jobs step by step (job_update per transition),
// makes the timed background library changes, and hands every message, in the configured
// python-socketio wire format, to the SocketIoPublisher (none without a Redis URL).
#pragma once

#include <memory>
#include <string>

#include "common/net.hpp"
#include "upstream_stub/event_sink.hpp"
#include "upstream_stub/socketio_publisher.hpp"
#include "upstream_stub/stub_handlers.hpp"

namespace foilcache::stub {

class StubEvents final : public EventSink {
 public:
  // `state` must outlive this. Throws std::invalid_argument for a malformed
  // state.options().socketio_redis_url.
  StubEvents(net::io_context& ioc, StubState& state);

  // Starts the publisher and the background-change timer. Call once, before serving.
  void start();

  void library_changed() override;
  void start_job(JobKind kind, std::string metadata_json) override;
  std::uint64_t publish_noise() override;
  SocketIoStats stats() const override;

 private:
  void emit(std::string_view event, const std::string& payload);
  void emit_library_updated();
  net::awaitable<void> step();
  net::awaitable<void> run_job(JobKind kind, std::string metadata_json);
  net::awaitable<void> background_changes();

  StubState& state_;
  net::strand<net::io_context::executor_type> strand_;
  std::unique_ptr<SocketIoPublisher> publisher_;  // null: no Redis URL
  std::string host_id_;      // this "server"'s python-socketio host_id
  net::steady_timer debounce_;  // on strand_
};

}  // namespace foilcache::stub
