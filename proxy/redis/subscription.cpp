#include "proxy/redis/subscription.hpp"

#include <cstddef>
#include <utility>

#include <hiredis/async.h>

namespace foilcache::redis {
namespace {

constexpr std::string_view kSubscribe = "SUBSCRIBE";
// A pub/sub push is ["subscribe" | "message", channel, count | payload].
constexpr std::size_t kPushElements = 3;

}  // namespace

Subscription::Subscription(std::string channel, std::function<void(std::string_view)> on_message,
                           std::function<void()> on_subscribed, std::function<void()> on_lost)
    : channel_(std::move(channel)),
      on_message_(std::move(on_message)),
      on_subscribed_(std::move(on_subscribed)),
      on_lost_(std::move(on_lost)) {}

bool Subscription::send(redisAsyncContext* ac) {
  const char* argv[] = {kSubscribe.data(), channel_.data()};
  const std::size_t lens[] = {kSubscribe.size(), channel_.size()};
  return redisAsyncCommandArgv(ac, &Subscription::on_reply, this, 2, argv, lens) == REDIS_OK;
}

void Subscription::on_reply(redisAsyncContext* /*ac*/, void* reply, void* privdata) {
  auto* r = static_cast<redisReply*>(reply);
  auto* self = static_cast<Subscription*>(privdata);
  if (r == nullptr) {  // the context is being freed: this connection's subscription is over
    try {
      if (self->on_lost_) self->on_lost_();
    } catch (...) {
    }
    return;
  }
  if (r->type != REDIS_REPLY_ARRAY || r->elements < kPushElements) return;
  const std::string_view kind(r->element[0]->str, r->element[0]->len);
  try {
    if (kind == "subscribe" && self->on_subscribed_) {
      self->on_subscribed_();
    } else if (kind == "message" && self->on_message_ && r->element[2]->type == REDIS_REPLY_STRING) {
      self->on_message_(std::string_view(r->element[2]->str, r->element[2]->len));
    }
  } catch (...) {
  }
}

}  // namespace foilcache::redis
