#include "proxy/http/read_deadline.hpp"

namespace foilcache::http_server {

ReadDeadline::ReadDeadline(beast::tcp_stream& stream, config::Duration timeout)
    : state_(std::make_shared<State>()), timer_(stream.get_executor()) {
  stream.expires_never();
  timer_.expires_after(timeout);
  timer_.async_wait([state = state_, &stream](const error_code& ec) {
    if (ec || state->done) return;
    state->fired = true;
    stream.cancel();
  });
}

bool ReadDeadline::finish() {
  if (!state_->done) {
    state_->done = true;
    timer_.cancel();
  }
  return state_->fired;
}

}  // namespace foilcache::http_server
