// One hiredis async connection on an io_context: opening it (a non-blocking connect, attached
// to Asio through AsioAdapter), what hiredis said about it (connected, failed, ended, and why),
// and freeing it. It holds no protocol: ConnectionFsm decides, RedisClient sends the commands.
//
// hiredis' connect and disconnect callbacks and the cleanup hook only record and call
// `on_change`; they never free the context and let no exception out.
// Threading: the io_context's thread only (run by a single thread), like AsioAdapter.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/net.hpp"

struct redisAsyncContext;

namespace foilcache::redis {

class AsioAdapter;

class HiredisLink {
 public:
  // `owner` is what owner_of() returns in reply callbacks (the context's data points to the
  // link). `on_change` runs when the TCP connect completed or failed and when the context is
  // being freed (then inside hiredis: it must not call into hiredis).
  HiredisLink(net::io_context::executor_type executor, void* owner, std::function<void()> on_change);
  ~HiredisLink();  // close()
  HiredisLink(const HiredisLink&) = delete;
  HiredisLink& operator=(const HiredisLink&) = delete;

  // Starts connecting to `address` (an IP address) and `port`. Returns why it could not (no
  // context is left then), or nullopt. Precondition: context() == nullptr.
  std::optional<std::string> open(const std::string& address, std::uint16_t port);
  // Frees the context now, if any: hiredis first completes its pending callbacks with NULL
  // replies, then on_change runs. Precondition: not inside a hiredis callback.
  void close();

  // The live context, or nullptr (never opened, failed, ended or closed).
  redisAsyncContext* context() const noexcept { return ac_; }
  // The TCP connect of the current context completed.
  bool up() const noexcept { return up_; }
  // Why the connect failed or the connection ended, as hiredis said ("connection closed"
  // when it gave no reason). Holds whatever the server sent: scrub before showing it.
  const std::string& error() const noexcept { return error_; }

  // The `owner` of the link that `ac` belongs to. Precondition: `ac` came from open().
  static void* owner_of(const redisAsyncContext* ac) noexcept;

 private:
  static void on_connect(const redisAsyncContext* ac, int status);
  static void on_disconnect(const redisAsyncContext* ac, int status);
  void on_detach() noexcept;

  net::io_context::executor_type executor_;
  void* owner_;
  std::function<void()> on_change_;
  redisAsyncContext* ac_ = nullptr;
  std::shared_ptr<AsioAdapter> adapter_;
  bool up_ = false;
  std::string error_;
};

}  // namespace foilcache::redis
