// Subscriber mode of a RedisClient: the channel it listens to and what it does with what
// arrives. The client sends it after every (re)connect; hiredis then calls it back for the
// server's confirmation and for each message, until the context is freed.
//
// Threading: the client's io thread only.
#pragma once

#include <functional>
#include <string>
#include <string_view>

struct redisAsyncContext;

namespace foilcache::redis {

class Subscription {
 public:
  Subscription() = default;  // inactive: the client takes ordinary commands
  // `on_message` receives each message's payload, `on_subscribed` runs once per connection
  // when the server confirmed, `on_lost` (may be empty) once per connection that sent
  // SUBSCRIBE when it goes away (lost, closed as stuck, or stopped; hiredis frees it); none
  // may call into hiredis. What they throw is swallowed (they run inside a C callback).
  Subscription(std::string channel, std::function<void(std::string_view payload)> on_message,
               std::function<void()> on_subscribed, std::function<void()> on_lost = {});

  bool active() const noexcept { return !channel_.empty(); }

  // Sends SUBSCRIBE on `ac`; false if hiredis refused it. Precondition: active(), and this
  // object stays at its address while `ac` lives (hiredis holds a pointer to it).
  bool send(redisAsyncContext* ac);

 private:
  // The SUBSCRIBE confirmation, every message, and NULL when the context goes away.
  static void on_reply(redisAsyncContext* ac, void* reply, void* privdata);

  std::string channel_;
  std::function<void(std::string_view)> on_message_;
  std::function<void()> on_subscribed_;
  std::function<void()> on_lost_;
};

}  // namespace foilcache::redis
