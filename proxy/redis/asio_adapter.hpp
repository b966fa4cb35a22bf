// Drives one hiredis async connection from an Asio io_context: installs hiredis' event
// hooks (ac->ev.addRead/delRead/addWrite/delWrite/cleanup) and turns them into
// posix::stream_descriptor::async_wait(wait_read / wait_write), calling
// redisAsyncHandleRead / redisAsyncHandleWrite when the socket is ready.
//
// Threading: everything (hooks, wait handlers, hiredis calls) runs on the io_context given
// to the constructor, which must be run by a single thread; no strand is needed.
// Ownership: hiredis owns the socket: the descriptor is released (never closed) when
// hiredis calls the cleanup hook, before it closes the fd itself. Pending waits hold a
// shared_ptr to the adapter, so it outlives them; after cleanup they do nothing.
#pragma once

#include <functional>
#include <memory>

#include "common/net.hpp"

struct redisAsyncContext;

namespace foilcache::redis {

class AsioAdapter : public std::enable_shared_from_this<AsioAdapter> {
 public:
  // `on_detach` runs once, inside hiredis' cleanup hook, when the context is being freed
  // (it must not call back into hiredis).
  AsioAdapter(net::io_context::executor_type executor, std::function<void()> on_detach);
  ~AsioAdapter();
  AsioAdapter(const AsioAdapter&) = delete;
  AsioAdapter& operator=(const AsioAdapter&) = delete;

  // Installs the hooks on `ac` (a context from redisAsyncConnect with a valid fd, not yet
  // given a connect callback). Returns an error if the fd cannot be registered with Asio;
  // the caller then frees the context.
  boost::system::error_code attach(redisAsyncContext* ac);
  // True between attach() and hiredis' cleanup of the context.
  bool attached() const { return ac_ != nullptr; }

 private:
  static void add_read(void* self);
  static void del_read(void* self);
  static void add_write(void* self);
  static void del_write(void* self);
  static void cleanup(void* self);

  void arm_read();
  void arm_write();
  void on_readable(const boost::system::error_code& ec);
  void on_writable(const boost::system::error_code& ec);
  void detach();

  net::posix::stream_descriptor descriptor_;
  std::function<void()> on_detach_;
  redisAsyncContext* ac_ = nullptr;
  bool reading_ = false;       // hiredis wants read events
  bool writing_ = false;       // hiredis wants write events
  bool read_waiting_ = false;  // an async_wait(wait_read) is outstanding
  bool write_waiting_ = false;
};

}  // namespace foilcache::redis
