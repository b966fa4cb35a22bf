#include "proxy/redis/sentinel_client.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <optional>

#include "proxy/redis/redis_client.hpp"
#include "proxy/redis/sentinel_messages.hpp"

namespace foilcache::redis {
namespace {

// A Sentinel's connection: no credentials, no database, the data connection's timeouts.
config::RedisConfig sentinel_config(const config::RedisConfig& config, const config::RedisConfig::Node& node) {
  config::RedisConfig out;
  out.host = node.host;
  out.port = node.port;
  out.timeout = std::max(config.timeout, config::Duration(200));  // a Sentinel is asked rarely
  out.connect_timeout = config.connect_timeout;
  out.reconnect_min = config.reconnect_min;
  out.reconnect_max = config.reconnect_max;
  return out;
}

}  // namespace

class SentinelClient::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(net::io_context& ioc, config::RedisConfig config, LogFn log)
      : ioc_(ioc), config_(std::move(config)), log_(std::move(log)), wake_(ioc) {
    config::RedisConfig master = config_;
    master.verify_master = true;
    master.host.clear();  // none known until a Sentinel says
    data_ = std::make_shared<RedisClient>(ioc_, master, log_);
    data_->set_target([this] {
      wake_.cancel();  // an attempt to reach the master: ask the Sentinels again too
      return master_;
    });
    for (const auto& node : config_.nodes) {
      sentinels_.push_back(std::make_shared<RedisClient>(ioc_, sentinel_config(config_, node)));
    }
    watcher_ = std::make_shared<RedisClient>(ioc_, sentinel_config(config_, config_.nodes.front()));
    watcher_->set_target([this, next = std::size_t{0}]() mutable {
      const auto& node = config_.nodes[next++ % config_.nodes.size()];  // a lost Sentinel: the next one
      return std::optional<Endpoint>(Endpoint{node.host, node.port});
    });
  }

  RedisClient& data() { return *data_; }

  void start() {
    if (started_) return;
    started_ = true;
    auto self = shared_from_this();
    watcher_->subscribe(
        std::string(kSwitchMasterChannel),
        [weak = std::weak_ptr<Impl>(self)](std::string_view payload) {
          if (auto impl = weak.lock()) impl->on_switch(payload);
        },
        [weak = std::weak_ptr<Impl>(self)] {
          if (auto impl = weak.lock()) impl->wake_.cancel();  // subscribed again: a switch may have been missed
        },
        {});
    for (auto& sentinel : sentinels_) sentinel->start();
    watcher_->start();
    data_->start();
    net::co_spawn(ioc_, discovery_loop(self), net::detached);
  }

  void stop() {
    stopped_ = true;
    wake_.cancel();
    data_->stop();
    watcher_->stop();
    for (auto& sentinel : sentinels_) sentinel->stop();
  }

  ClientStats stats() const noexcept {
    ClientStats out = data_->stats();
    out.topology_changes = switches_.load(std::memory_order_relaxed);
    return out;
  }

  std::vector<std::string> data_nodes() const {
    if (!master_) return {};
    return {master_->name()};
  }

 private:
  // A +switch-master message (inside a hiredis callback: acted on after it returns).
  void on_switch(std::string_view payload) {
    if (auto master = parse_switch_master(payload, config_.master_name)) {
      net::post(ioc_, [self = shared_from_this(), master = std::move(*master)] { self->use(master); });
    }
  }

  net::awaitable<void> discovery_loop(std::shared_ptr<Impl> /*keep_alive*/) {
    while (!stopped_) {
      co_await discover();
      wake_.expires_after(master_ ? kPollInterval : config_.reconnect_min);
      co_await wake_.async_wait(kNoThrow);
    }
  }

  // Asks each ready Sentinel in turn; the first that knows the master is asked first next time.
  net::awaitable<void> discover() {
    for (std::size_t i = 0; i < sentinels_.size() && !stopped_; ++i) {
      const std::shared_ptr<RedisClient> sentinel = sentinels_[i];
      if (!sentinel->connected()) continue;
      const std::array<std::string_view, 3> ask{"SENTINEL", "get-master-addr-by-name", config_.master_name};
      Result answer = co_await sentinel->command(std::span<const std::string_view>(ask));
      if (answer.ec || stopped_) continue;
      const std::optional<Endpoint> master = parse_master_address(answer.reply);
      if (!master) continue;
      std::rotate(sentinels_.begin(), sentinels_.begin() + static_cast<std::ptrdiff_t>(i),
                  sentinels_.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      use(*master);
      co_return;
    }
  }

  void use(const Endpoint& master) {
    if (stopped_ || (master_ && master_->name() == master.name())) return;
    master_ = master;
    switches_.fetch_add(1, std::memory_order_relaxed);
    if (log_) log_(LogLevel::kInfo, "redis sentinel: master " + config_.master_name + " is " + master.name());
    data_->retarget();
  }

  net::io_context& ioc_;
  config::RedisConfig config_;
  LogFn log_;
  std::shared_ptr<RedisClient> data_;                     // the master's connection (commands or subscriber)
  std::vector<std::shared_ptr<RedisClient>> sentinels_;   // queries, the last that answered first
  std::shared_ptr<RedisClient> watcher_;                  // +switch-master
  std::optional<Endpoint> master_;
  net::steady_timer wake_;
  bool started_ = false;
  bool stopped_ = false;
  std::atomic<std::uint64_t> switches_{0};
};

SentinelClient::SentinelClient(net::io_context& ioc, config::RedisConfig config, LogFn log)
    : impl_(std::make_shared<Impl>(ioc, std::move(config), std::move(log))) {}
SentinelClient::~SentinelClient() { impl_->stop(); }

void SentinelClient::subscribe(std::string channel, MessageFn on_message, std::function<void()> on_subscribed,
                               std::function<void()> on_lost) {
  impl_->data().subscribe(std::move(channel), std::move(on_message), std::move(on_subscribed), std::move(on_lost));
}
void SentinelClient::start() { impl_->start(); }
void SentinelClient::stop() { impl_->stop(); }
bool SentinelClient::connected() const noexcept { return impl_->data().connected(); }
BreakerState SentinelClient::breaker_state() const noexcept { return impl_->data().breaker_state(); }
ClientStats SentinelClient::stats() const noexcept { return impl_->stats(); }
std::vector<std::string> SentinelClient::data_nodes() const { return impl_->data_nodes(); }

void SentinelClient::async_command(std::span<const std::string_view> argv, Handler handler) {
  impl_->data().async_command(argv, std::move(handler));
}
void SentinelClient::async_pipeline(std::span<const std::span<const std::string_view>> commands,
                                    PipelineHandler handler) {
  impl_->data().async_pipeline(commands, std::move(handler));
}
void SentinelClient::async_command_at(std::string_view node, std::span<const std::string_view> argv,
                                      Handler handler) {
  impl_->data().async_command_at(node, argv, std::move(handler));
}

}  // namespace foilcache::redis
