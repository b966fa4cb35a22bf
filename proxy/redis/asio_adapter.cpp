#include "proxy/redis/asio_adapter.hpp"

#include <hiredis/async.h>

namespace foilcache::redis {
namespace {
// Reads done per readiness event before yielding back to the io_context (fairness); a
// large reply is read in 16 KiB chunks by hiredis, so this saves re-arming for each chunk.
constexpr int kMaxReadsPerWakeup = 64;
}  // namespace

AsioAdapter::AsioAdapter(net::io_context::executor_type executor, std::function<void()> on_detach)
    : descriptor_(executor), on_detach_(std::move(on_detach)) {}

AsioAdapter::~AsioAdapter() {
  // hiredis owns the fd: never let the descriptor close it.
  if (descriptor_.is_open()) descriptor_.release();
}

boost::system::error_code AsioAdapter::attach(redisAsyncContext* ac) {
  boost::system::error_code ec;
  descriptor_.assign(ac->c.fd, ec);
  if (ec) return ec;
  ac_ = ac;
  ac->ev.data = this;
  ac->ev.addRead = &AsioAdapter::add_read;
  ac->ev.delRead = &AsioAdapter::del_read;
  ac->ev.addWrite = &AsioAdapter::add_write;
  ac->ev.delWrite = &AsioAdapter::del_write;
  ac->ev.cleanup = &AsioAdapter::cleanup;
  return {};
}

// The hooks are called from C: nothing may throw out of them. An allocation failure while
// arming a wait leaves the connection idle; the client's command timeout then recycles it.
void AsioAdapter::add_read(void* self) {
  auto* adapter = static_cast<AsioAdapter*>(self);
  adapter->reading_ = true;
  try {
    adapter->arm_read();
  } catch (...) {
  }
}

void AsioAdapter::del_read(void* self) { static_cast<AsioAdapter*>(self)->reading_ = false; }

void AsioAdapter::add_write(void* self) {
  auto* adapter = static_cast<AsioAdapter*>(self);
  adapter->writing_ = true;
  try {
    adapter->arm_write();
  } catch (...) {
  }
}

void AsioAdapter::del_write(void* self) { static_cast<AsioAdapter*>(self)->writing_ = false; }

void AsioAdapter::cleanup(void* self) {
  try {
    static_cast<AsioAdapter*>(self)->detach();
  } catch (...) {
  }
}

void AsioAdapter::arm_read() {
  if (read_waiting_ || !ac_) return;
  read_waiting_ = true;
  descriptor_.async_wait(net::posix::stream_descriptor::wait_read,
                         [self = shared_from_this()](const boost::system::error_code& ec) { self->on_readable(ec); });
}

void AsioAdapter::arm_write() {
  if (write_waiting_ || !ac_) return;
  write_waiting_ = true;
  descriptor_.async_wait(net::posix::stream_descriptor::wait_write,
                         [self = shared_from_this()](const boost::system::error_code& ec) { self->on_writable(ec); });
}

void AsioAdapter::on_readable(const boost::system::error_code& ec) {
  read_waiting_ = false;
  if (!ac_ || !reading_ || ec == net::error::operation_aborted) return;
  // Any other wait error: let hiredis' read() find out what happened to the socket.
  for (int i = 0; i < kMaxReadsPerWakeup; ++i) {
    redisAsyncHandleRead(ac_);  // may free the context (cleanup hook -> ac_ == nullptr)
    if (!ac_ || !reading_) break;
    boost::system::error_code available_ec;
    net::posix::stream_descriptor::bytes_readable available(true);
    descriptor_.io_control(available, available_ec);
    if (available_ec || available.get() == 0) break;
  }
  if (ac_ && reading_) arm_read();
}

void AsioAdapter::on_writable(const boost::system::error_code& ec) {
  write_waiting_ = false;
  if (!ac_ || !writing_ || ec == net::error::operation_aborted) return;
  redisAsyncHandleWrite(ac_);  // completes a pending connect, or flushes the output buffer
  if (ac_ && writing_) arm_write();
}

void AsioAdapter::detach() {
  if (ac_ == nullptr) return;
  // hiredis 0.14 may call cleanup twice and does not clear the hooks itself.
  ac_->ev.addRead = nullptr;
  ac_->ev.delRead = nullptr;
  ac_->ev.addWrite = nullptr;
  ac_->ev.delWrite = nullptr;
  ac_->ev.cleanup = nullptr;
  ac_->ev.data = nullptr;
  ac_ = nullptr;
  reading_ = writing_ = false;
  if (descriptor_.is_open()) descriptor_.release();  // aborts outstanding waits; fd stays open for hiredis
  if (auto on_detach = std::move(on_detach_)) on_detach();
}

}  // namespace foilcache::redis
