// A deadline on reads from a client that, when it passes, cancels the pending read and
// leaves the socket open, so the proxy can still answer (408). A tcp_stream's own timeout
// closes the socket, after which no answer can be written.
#pragma once

#include <memory>

#include "common/net.hpp"
#include "proxy/config/config.hpp"

namespace foilcache::http_server {

// Arm it before the reads it bounds, finish() it after. Clears the stream's own expiry.
// Precondition: on the stream's executor; the stream outlives the deadline.
class ReadDeadline {
 public:
  ReadDeadline(beast::tcp_stream& stream, config::Duration timeout);
  ~ReadDeadline() { finish(); }
  ReadDeadline(const ReadDeadline&) = delete;
  ReadDeadline& operator=(const ReadDeadline&) = delete;

  // Ends the deadline; true when it had passed (the read then failed, operation_aborted).
  bool finish();

 private:
  // The timer's completion may run after the deadline is gone: its state is shared, and it
  // touches the stream only while the bounded read is still pending.
  struct State {
    bool done = false;
    bool fired = false;
  };
  std::shared_ptr<State> state_;
  net::steady_timer timer_;
};

}  // namespace foilcache::http_server
