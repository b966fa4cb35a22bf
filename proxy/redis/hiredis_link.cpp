#include "proxy/redis/hiredis_link.hpp"

#include <hiredis/async.h>

#include "proxy/redis/asio_adapter.hpp"
#include "proxy/redis/reply_reader.hpp"

namespace foilcache::redis {
namespace {

// Why a connection ended when hiredis gives no reason.
constexpr const char* kClosed = "connection closed";

HiredisLink* link_of(const redisAsyncContext* ac) noexcept { return static_cast<HiredisLink*>(ac->data); }

}  // namespace

HiredisLink::HiredisLink(net::io_context::executor_type executor, void* owner, std::function<void()> on_change)
    : executor_(executor), owner_(owner), on_change_(std::move(on_change)), error_(kClosed) {}

HiredisLink::~HiredisLink() { close(); }

std::optional<std::string> HiredisLink::open(const std::string& address, std::uint16_t port) {
  redisAsyncContext* ac = redisAsyncConnect(address.c_str(), port);
  if (ac == nullptr) return "out of memory";
  if (ac->err != 0) {
    std::string why = ac->c.errstr;
    redisAsyncFree(ac);
    return why;
  }
  ac->data = this;
  configure_reader(ac->c.reader);
  adapter_ = std::make_shared<AsioAdapter>(executor_, [this] { on_detach(); });
  if (auto ec = adapter_->attach(ac)) {
    redisAsyncFree(ac);
    return ec.message();
  }
  ac_ = ac;
  up_ = false;
  error_ = kClosed;
  redisAsyncSetDisconnectCallback(ac, &HiredisLink::on_disconnect);
  redisAsyncSetConnectCallback(ac, &HiredisLink::on_connect);  // arms the first write wait
  return std::nullopt;
}

void HiredisLink::close() {
  if (ac_ == nullptr) return;
  redisAsyncContext* ac = ac_;
  ac_ = nullptr;
  redisAsyncFree(ac);
}

void* HiredisLink::owner_of(const redisAsyncContext* ac) noexcept { return link_of(ac)->owner_; }

void HiredisLink::on_connect(const redisAsyncContext* ac, int status) {
  HiredisLink* self = link_of(ac);
  try {
    // On failure hiredis frees the context right after this returns (cleanup -> on_detach).
    if (status == REDIS_OK) {
      self->up_ = true;
    } else {
      self->error_ = ac->c.errstr;
    }
    if (self->on_change_) self->on_change_();
  } catch (...) {
  }
}

// hiredis 0.14 calls it after the cleanup hook (on_detach), within the same free.
void HiredisLink::on_disconnect(const redisAsyncContext* ac, int status) {
  try {
    if (status != REDIS_OK) link_of(ac)->error_ = ac->c.errstr[0] != '\0' ? ac->c.errstr : kClosed;
  } catch (...) {
  }
}

// Runs inside hiredis' cleanup hook: the context is being freed.
void HiredisLink::on_detach() noexcept {
  ac_ = nullptr;
  try {
    if (on_change_) on_change_();
  } catch (...) {
  }
}

}  // namespace foilcache::redis
