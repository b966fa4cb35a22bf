#include "proxy/redis/cluster_client.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <optional>

#include "proxy/redis/cluster_slots.hpp"
#include "proxy/redis/redis_client.hpp"
#include "proxy/redis/redis_error.hpp"

namespace foilcache::redis {
namespace {

using Clock = std::chrono::steady_clock;
using Kind = Redirect::Kind;

// One command of a routed pipeline: its argv (owned), where it goes next and whether that
// is an ASK (ASKING first).
struct Routed {
  std::vector<std::string> argv;
  std::optional<Endpoint> target;  // set by a redirection; otherwise the table decides
  bool asking = false;
};

// Groups of a routed pipeline that go to one node, sent at once; `done` runs after all.
struct Fanout {
  std::size_t left = 0;
  net::any_completion_handler<void()> done;
};

config::RedisConfig node_config(const config::RedisConfig& cluster, const Endpoint& node) {
  config::RedisConfig out = cluster;
  out.host = node.host;
  out.port = node.port;
  out.db = 0;
  return out;
}

Result error_result(Errc errc) { return Result{make_error_code(errc), {}}; }

}  // namespace

class ClusterClient::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(net::io_context& ioc, config::RedisConfig config, LogFn log)
      : ioc_(ioc), config_(std::move(config)), log_(std::move(log)), wake_(ioc), pause_(ioc) {
    for (const auto& node : config_.nodes) seeds_.push_back(Endpoint{node.host, node.port});
  }

  void subscribe(std::string channel, MessageFn on_message, std::function<void()> on_subscribed,
                 std::function<void()> on_lost) {
    subscriber_ = std::make_shared<RedisClient>(ioc_, node_config(config_, seeds_.front()), log_);
    subscriber_->set_target([this, next = std::size_t{0}]() mutable {
      return std::optional<Endpoint>(seeds_[next++ % seeds_.size()]);  // a lost node: try the next seed
    });
    subscriber_->subscribe(std::move(channel), std::move(on_message), std::move(on_subscribed), std::move(on_lost));
  }

  void start() {
    if (started_) return;
    started_ = true;
    if (subscriber_) {
      subscriber_->start();
      return;
    }
    for (const auto& seed : seeds_) node(seed);
    net::co_spawn(ioc_, topology_loop(shared_from_this()), net::detached);
  }

  void stop() {
    stopped_ = true;
    if (subscriber_) subscriber_->stop();
    for (auto& [name, client] : nodes_) client->stop();
    wake_.cancel();
    pause_.cancel();
    std::lock_guard lock(mutex_);
    masters_.clear();
  }

  bool connected() const noexcept {
    if (subscriber_) return subscriber_->connected();
    std::lock_guard lock(mutex_);
    return complete_ && !masters_.empty() &&
           std::all_of(masters_.begin(), masters_.end(), [](const auto& c) { return c->connected(); });
  }

  BreakerState breaker_state() const noexcept {
    if (subscriber_) return subscriber_->breaker_state();
    std::lock_guard lock(mutex_);
    BreakerState worst = BreakerState::kClosed;
    for (const auto& client : masters_) worst = std::max(worst, client->breaker_state());
    return worst;
  }

  ClientStats stats() const noexcept {
    std::lock_guard lock(mutex_);
    ClientStats out = retired_;
    for (const auto& client : all_) out += client->stats();
    if (subscriber_) out += subscriber_->stats();
    out.redirects = redirects_.load(std::memory_order_relaxed);
    out.topology_changes = topology_changes_.load(std::memory_order_relaxed);
    return out;
  }

  std::vector<std::string> data_nodes() const {
    std::vector<std::string> out;
    if (table_) {
      for (const auto& master : table_->masters()) out.push_back(master.name());
    }
    return out;
  }

  void command_at(std::string_view name, std::span<const std::string_view> argv, Handler handler) {
    const auto it = nodes_.find(std::string(name));
    if (it == nodes_.end() || stopped_) {
      net::post(ioc_, net::append(std::move(handler), error_result(Errc::not_connected)));
      return;
    }
    it->second->async_command(argv, std::move(handler));
  }

  using Done = net::any_completion_handler<void(std::exception_ptr, std::vector<Result>)>;

  // Copies the commands, then routes them on a coroutine of their own, which posts `done`.
  void execute(std::span<const std::span<const std::string_view>> commands, Done done) {
    std::vector<std::vector<std::string>> copies;
    copies.reserve(commands.size());
    for (const auto& argv : commands) copies.emplace_back(argv.begin(), argv.end());
    net::co_spawn(ioc_, run_pipeline(shared_from_this(), std::move(copies)), std::move(done));
  }

 private:
  // One node's share of a pipeline.
  struct Group {
    Endpoint endpoint;
    std::vector<std::size_t> members;
  };
  using Groups = std::map<std::string, Group>;

  net::awaitable<std::vector<Result>> run_pipeline(std::shared_ptr<Impl> /*keep_alive*/,
                                                   std::vector<std::vector<std::string>> commands) {
    const std::size_t count = commands.size();
    SplitPipeline split = split_cross_slot(std::move(commands));
    std::vector<Routed> routed;
    routed.reserve(split.commands.size());
    for (auto& argv : split.commands) routed.push_back(Routed{std::move(argv), std::nullopt, false});
    std::vector<Result> answers = co_await route(routed);
    co_return fold_answers(split, std::move(answers), count);
  }

  // Sends every command to its node (one pipeline per node, all at once), follows the
  // redirections the answers ask for, and returns the final answers in order.
  net::awaitable<std::vector<Result>> route(std::vector<Routed>& commands) {
    std::vector<Result> results(commands.size());
    std::vector<std::size_t> todo(commands.size());
    for (std::size_t i = 0; i < todo.size(); ++i) todo[i] = i;
    const auto deadline = Clock::now() + config_.timeout;
    auto pause = std::chrono::milliseconds(2);
    for (int round = 0; !todo.empty() && round <= kMaxRedirects && !stopped_; ++round) {
      Groups groups;
      for (const std::size_t i : todo) {
        if (const std::optional<Endpoint> to = destination(commands[i])) {
          groups.try_emplace(to->name(), Group{*to, {}}).first->second.members.push_back(i);
        } else {
          results[i] = error_result(Errc::not_connected);  // no master serves the slot now
          request_refresh();
        }
      }
      co_await send_groups(groups, commands, results);
      std::vector<std::size_t> again;
      bool wait = false;
      for (const auto& [name, group] : groups) {
        for (const std::size_t i : group.members) {
          if (results[i].ec) {
            if (results[i].ec != net::error::operation_aborted) request_refresh();  // the node may be gone
            continue;
          }
          if (!results[i].reply.is_error()) continue;
          const Redirect redirect = parse_redirect(results[i].reply.str(), group.endpoint.host);
          if (redirect.kind == Kind::kNone) continue;
          if (redirect.kind == Kind::kTryAgain || redirect.kind == Kind::kClusterDown) {
            if (Clock::now() + pause >= deadline) continue;  // out of time: the error reply is the answer
            wait = true;
          } else {
            redirects_.fetch_add(1, std::memory_order_relaxed);
            commands[i].target = redirect.target;
            commands[i].asking = redirect.kind == Kind::kAsk;
            if (redirect.kind == Kind::kMoved && table_) {
              table_->assign(redirect.slot, redirect.target);
              request_refresh();
            }
          }
          again.push_back(i);
        }
      }
      if (wait && !stopped_) {
        pause_.expires_after(pause);
        co_await pause_.async_wait(kNoThrow);
        pause *= 2;
      }
      todo = std::move(again);
    }
    co_return results;
  }

  // Where a command goes: its redirection's target, else its key's master, else any ready master.
  std::optional<Endpoint> destination(Routed& command) {
    if (command.target) return std::exchange(command.target, std::nullopt);
    if (!table_) return std::nullopt;
    const std::vector<std::string_view> views(command.argv.begin(), command.argv.end());
    if (const auto key = routing_key(views)) {
      const Endpoint* master = table_->master(key_slot(*key));
      return master ? std::optional<Endpoint>(*master) : std::nullopt;
    }
    for (const auto& master : table_->masters()) {
      const auto it = nodes_.find(master.name());
      if (it != nodes_.end() && it->second->connected()) return master;
    }
    return std::nullopt;
  }

  net::awaitable<void> send_groups(const Groups& groups, std::vector<Routed>& commands, std::vector<Result>& results) {
    if (groups.empty()) co_return;
    co_await net::async_initiate<decltype(net::use_awaitable), void()>(
        [&](auto done) {
          auto fanout = std::make_shared<Fanout>(Fanout{groups.size(), std::move(done)});
          for (const auto& [name, group] : groups) send_group(group, commands, results, fanout);
        },
        net::use_awaitable);
  }

  // One node's share: one pipeline (ASKING before each asked command), answers to `results`.
  void send_group(const Group& group, std::vector<Routed>& commands, std::vector<Result>& results,
                  const std::shared_ptr<Fanout>& fanout) {
    std::vector<std::vector<std::string_view>> argv;
    std::vector<std::size_t> answer_at;  // where in the pipeline each member's answer is
    for (const std::size_t i : group.members) {
      if (std::exchange(commands[i].asking, false)) argv.push_back({"ASKING"});
      answer_at.push_back(argv.size());
      argv.emplace_back(commands[i].argv.begin(), commands[i].argv.end());
    }
    const std::vector<std::span<const std::string_view>> spans(argv.begin(), argv.end());
    node(group.endpoint)
        ->async_pipeline(spans, [&results, members = group.members, answer_at, fanout](std::vector<Result> answers) {
          for (std::size_t m = 0; m < members.size(); ++m) results[members[m]] = std::move(answers[answer_at[m]]);
          if (--fanout->left == 0) std::move(fanout->done)();
        });
  }

  // The connection to `endpoint`, made (and started) on first use.
  const std::shared_ptr<RedisClient>& node(const Endpoint& endpoint) {
    auto [it, added] = nodes_.try_emplace(endpoint.name());
    if (added) {
      it->second = std::make_shared<RedisClient>(ioc_, node_config(config_, endpoint), log_);
      if (!stopped_) it->second->start();
      std::lock_guard lock(mutex_);
      all_.push_back(it->second);
    }
    return it->second;
  }

  // --- topology ---

  void request_refresh() {
    refresh_wanted_ = true;
    wake_.cancel();
  }

  net::awaitable<void> topology_loop(std::shared_ptr<Impl> /*keep_alive*/) {
    auto retry = kMinRefreshGap;
    while (!stopped_) {
      const auto began = Clock::now();
      refresh_wanted_ = false;
      const bool ok = co_await refresh();
      // Not yet known (no node ready yet) or failed: again soon, backing off to the interval.
      retry = ok ? kMinRefreshGap : std::min<std::chrono::milliseconds>(retry * 2, kRefreshInterval);
      const auto next = ok && !refresh_wanted_ ? began + kRefreshInterval : began + retry;
      wake_.expires_at(std::max(next, began + kMinRefreshGap));
      co_await wake_.async_wait(kNoThrow);
      if (refresh_wanted_ && Clock::now() < began + kMinRefreshGap) {
        wake_.expires_at(began + kMinRefreshGap);  // woken early: still keep the gap
        co_await wake_.async_wait(kNoThrow);
      }
    }
  }

  // CLUSTER SLOTS from the first node that answers: the masters, then the seeds, then the rest.
  net::awaitable<bool> refresh() {
    std::vector<std::string> order = data_nodes();
    for (const auto& seed : seeds_) order.push_back(seed.name());
    for (const auto& [name, client] : nodes_) order.push_back(name);
    for (const auto& name : order) {
      const auto it = nodes_.find(name);
      if (it == nodes_.end() || !it->second->connected()) continue;
      const std::shared_ptr<RedisClient> client = it->second;
      static constexpr std::array<std::string_view, 2> kSlots{"CLUSTER", "SLOTS"};
      Result answer = co_await client->command(std::span<const std::string_view>(kSlots));
      if (stopped_) co_return false;
      if (answer.ec || answer.reply.is_error()) continue;
      std::optional<SlotTable> table = SlotTable::from_cluster_slots(answer.reply, client->endpoint().host);
      if (!table) continue;
      apply(std::move(*table));
      co_return true;
    }
    co_return false;
  }

  void apply(SlotTable table) {
    const bool changed = !table_ || !(*table_ == table);
    table_ = std::move(table);
    std::vector<std::shared_ptr<RedisClient>> masters;
    for (const auto& master : table_->masters()) masters.push_back(node(master));
    if (changed) {
      topology_changes_.fetch_add(1, std::memory_order_relaxed);
      if (log_) log_(LogLevel::kInfo, "redis cluster: slot map from CLUSTER SLOTS, " + std::to_string(masters.size()) +
                                          " masters" + (table_->complete() ? "" : ", some slots unserved"));
    }
    // Nodes that serve no slot and are no seed are closed (a removed master, a demoted one).
    for (auto it = nodes_.begin(); it != nodes_.end();) {
      const bool keep = std::any_of(masters.begin(), masters.end(), [&](const auto& c) { return c == it->second; }) ||
                        std::any_of(seeds_.begin(), seeds_.end(), [&](const Endpoint& s) { return s.name() == it->first; });
      if (keep) {
        ++it;
        continue;
      }
      it->second->stop();
      std::lock_guard lock(mutex_);
      retired_ += it->second->stats();
      std::erase(all_, it->second);
      it = nodes_.erase(it);
    }
    std::lock_guard lock(mutex_);
    masters_ = std::move(masters);
    complete_ = table_->complete();
  }

  net::io_context& ioc_;
  config::RedisConfig config_;
  LogFn log_;
  std::vector<Endpoint> seeds_;
  std::map<std::string, std::shared_ptr<RedisClient>> nodes_;  // every connection, by "host:port"
  std::optional<SlotTable> table_;
  std::shared_ptr<RedisClient> subscriber_;  // subscriber mode
  net::steady_timer wake_;                   // the topology loop's next refresh
  net::steady_timer pause_;                  // TRYAGAIN / CLUSTERDOWN back-off
  bool started_ = false;
  bool stopped_ = false;
  bool refresh_wanted_ = false;
  // What other threads read (connected(), breaker_state(), stats()):
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<RedisClient>> masters_;  // the table's masters' connections
  std::vector<std::shared_ptr<RedisClient>> all_;      // every connection
  bool complete_ = false;
  ClientStats retired_;  // counters of closed connections
  std::atomic<std::uint64_t> redirects_{0};
  std::atomic<std::uint64_t> topology_changes_{0};
};

ClusterClient::ClusterClient(net::io_context& ioc, config::RedisConfig config, LogFn log)
    : impl_(std::make_shared<Impl>(ioc, std::move(config), std::move(log))) {}
ClusterClient::~ClusterClient() { impl_->stop(); }

void ClusterClient::subscribe(std::string channel, MessageFn on_message, std::function<void()> on_subscribed,
                              std::function<void()> on_lost) {
  impl_->subscribe(std::move(channel), std::move(on_message), std::move(on_subscribed), std::move(on_lost));
}
void ClusterClient::start() { impl_->start(); }
void ClusterClient::stop() { impl_->stop(); }
bool ClusterClient::connected() const noexcept { return impl_->connected(); }
BreakerState ClusterClient::breaker_state() const noexcept { return impl_->breaker_state(); }
ClientStats ClusterClient::stats() const noexcept { return impl_->stats(); }
std::vector<std::string> ClusterClient::data_nodes() const { return impl_->data_nodes(); }

void ClusterClient::async_command(std::span<const std::string_view> argv, Handler handler) {
  const std::span<const std::string_view> one[] = {argv};
  impl_->execute(one, [handler = std::move(handler)](std::exception_ptr, std::vector<Result> results) mutable {
    std::move(handler)(results.empty() ? error_result(Errc::not_connected) : std::move(results.front()));
  });
}

void ClusterClient::async_pipeline(std::span<const std::span<const std::string_view>> commands,
                                   PipelineHandler handler) {
  impl_->execute(commands, [handler = std::move(handler), count = commands.size()](
                               std::exception_ptr, std::vector<Result> results) mutable {
    while (results.size() < count) results.push_back(error_result(Errc::not_connected));  // routing threw
    std::move(handler)(std::move(results));
  });
}

void ClusterClient::async_command_at(std::string_view node, std::span<const std::string_view> argv, Handler handler) {
  impl_->command_at(node, argv, std::move(handler));
}

}  // namespace foilcache::redis
