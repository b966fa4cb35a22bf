#include "proxy/redis/redis_client.hpp"

#include <algorithm>
#include <optional>
#include <random>
#include <type_traits>

#include <hiredis/async.h>

#include "proxy/redis/completion.hpp"
#include "proxy/redis/connection_fsm.hpp"
#include "proxy/redis/hiredis_link.hpp"
#include "proxy/redis/pending_commands.hpp"
#include "proxy/redis/resp.hpp"
#include "proxy/redis/subscription.hpp"

namespace foilcache::redis {
namespace {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using State = ConnectionFsm::State;
using Type = ConnAction::Type;
using Report = ConnAction::Report;

static_assert(RedisClient::kMaxConsecutiveTimeouts == ConnectionFsm::kMaxConsecutiveTimeouts);
static_assert(std::is_same_v<Client::Handler, ResultHandler>);
static_assert(std::is_same_v<Client::PipelineHandler, PipelineResultHandler>);

// The buffer commands are formatted in is kept between commands up to this capacity.
constexpr std::size_t kKeptCommandBytes = 64 * 1024;

// The address to connect to among `results`: the first IPv4 one, else the first; "" if none.
std::string preferred_address(const tcp::resolver::results_type& results) {
  auto it = std::find_if(results.begin(), results.end(), [](const auto& e) { return e.endpoint().address().is_v4(); });
  if (it == results.end()) it = results.begin();
  return it == results.end() ? std::string() : it->endpoint().address().to_string();
}

}  // namespace

// The shell around ConnectionFsm: run() performs the FSM's actions with the resolver, the
// hiredis link and timers, and feeds back how each ended. Commands, the per-command timer,
// the circuit breaker and subscriber mode live here; hiredis callbacks record and wake run().
class RedisClient::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(net::io_context& ioc, config::RedisConfig config, LogFn log)
      : executor_(ioc.get_executor()),
        config_(std::move(config)),
        log_(std::move(log)),
        fsm_(endpoint_of(config_), config_, std::random_device{}()),
        link_(executor_, this, [this] { on_link_change(); }),
        signal_(executor_),
        timer_(executor_),
        resolver_(executor_) {
    config_.host = fsm_.endpoint().host;
  }

  ~Impl() { link_.close(); }  // before the members its callbacks touch are destroyed

  void start() {
    if (started_ || stopped()) return;
    started_ = true;
    net::co_spawn(executor_, run(shared_from_this()), net::detached);
  }

  void stop() {
    if (stopped()) return;
    fsm_.stop();
    serving_ = false;  // closed on purpose: not a disconnect
    connected_.store(false, std::memory_order_relaxed);
    while (PendingCommand* p = pending_.front()) {
      pending_.remove(p);
      complete(p, Result{net::error::operation_aborted, {}});
    }
    link_.close();  // hiredis drops the (already completed) commands with NULL replies
    timer_.cancel();
    signal_.cancel();
    resolver_.cancel();
  }

  void send(std::span<const std::string_view> argv, Completion completion, bool internal, TimePoint deadline) {
    const State state = fsm_.state();
    const bool usable = link_.context() && (state == State::kReady || (internal && state == State::kHandshake));
    // The handshake is never held back: it is how the client learns the server is back.
    if (!internal && !stopped() && !breaker_.allows(Clock::now())) {
      stats_.short_circuited.fetch_add(1, std::memory_order_relaxed);
      deliver(executor_, std::move(completion), Result{make_error_code(Errc::circuit_open), {}});
      return;
    }
    if (!usable || pending_.size() >= kMaxPending || argv.empty()) {
      reject(std::move(completion), stopped()     ? make_error_code(net::error::operation_aborted)
                                    : !usable     ? make_error_code(Errc::not_connected)
                                    : argv.empty() ? make_error_code(net::error::invalid_argument)
                                                   : make_error_code(Errc::overloaded));
      return;
    }
    if (command_.capacity() > kKeptCommandBytes) command_ = std::string();  // after a large SET
    format_command(argv, command_);
    auto* p = new PendingCommand(std::move(completion), deadline);
    if (redisAsyncFormattedCommand(link_.context(), &Impl::on_reply, p, command_.data(), command_.size()) != REDIS_OK) {
      Completion rejected = std::move(p->completion);
      delete p;
      reject(std::move(rejected), make_error_code(Errc::not_connected));
      return;
    }
    if (!internal) p->ticket = breaker_.on_sent();
    pending_.push_back(p);
    stats_.commands.fetch_add(1, std::memory_order_relaxed);
    arm_timer();
  }

  // Sends every command of `commands` with one gather: see RedisClient::async_pipeline.
  template <typename Commands>
  void send_pipeline(const Commands& commands, PipelineHandler handler) {
    auto gather = std::make_shared<PipelineGather>(std::move(handler));
    gather->results.resize(commands.size());
    gather->left = commands.size();
    if (commands.empty()) {
      net::post(executor_, net::append(std::move(gather->handler), std::vector<Result>{}));
      return;
    }
    const TimePoint deadline = command_deadline();
    for (std::size_t i = 0; i < commands.size(); ++i) {
      send(std::span<const std::string_view>(commands[i]), Completion{Handler(), gather, i}, false, deadline);
    }
  }

  TimePoint command_deadline() const { return Clock::now() + config_.timeout; }

  void set_subscription(Subscription subscription) { subscription_ = std::move(subscription); }
  void set_target(TargetFn target) { target_ = std::move(target); }

  // The next attempt goes where the target says now; a connection elsewhere is closed.
  void retarget() {
    if (!target_ || stopped()) return;
    const std::optional<Endpoint> target = target_();
    if (!target || target->name() == fsm_.endpoint().name()) return;
    fsm_.set_endpoint(*target);
    retargeted_ = true;
    link_.close();  // the connection (or attempt) ends: the next one goes there, at once
    signal_.cancel();
  }

  Endpoint endpoint() const { return fsm_.endpoint(); }
  void refuse(Handler handler) { reject(Completion{std::move(handler), nullptr, 0}, make_error_code(Errc::not_connected)); }

  bool connected() const noexcept { return connected_.load(std::memory_order_relaxed); }
  BreakerState breaker_state() const noexcept { return breaker_.state(); }
  std::size_t pending() const noexcept { return pending_.size(); }
  const std::string& last_error() const noexcept { return fsm_.last_error(); }
  const config::RedisConfig& config() const noexcept { return config_; }

  ClientStats stats() const noexcept {
    const auto read = [](const std::atomic<std::uint64_t>& n) { return n.load(std::memory_order_relaxed); };
    return ClientStats{read(stats_.commands),        read(stats_.timeouts), read(stats_.rejected),
                       read(stats_.short_circuited), read(stats_.connects), read(stats_.connect_failures),
                       read(stats_.disconnects)};
  }

 private:
  struct AtomicStats {  // ClientStats, readable from any thread
    std::atomic<std::uint64_t> commands{0}, timeouts{0}, rejected{0}, short_circuited{0}, connects{0},
        connect_failures{0}, disconnects{0};
  };

  bool stopped() const noexcept { return fsm_.state() == State::kStopped; }

  // --- the connection life cycle: ConnectionFsm's actions, performed ---

  // Before each attempt: the target's current server, if it knows one.
  void consult_target() {
    if (target_) fsm_.set_endpoint(target_().value_or(Endpoint{}));  // none known: the attempt fails fast
  }

  net::awaitable<void> run(std::shared_ptr<Impl> /*keep_alive*/) {
    consult_target();
    ConnAction action = fsm_.start(Clock::now());
    while (action.type != Type::kStopped) {
      ConnAction next;
      try {
        next = co_await perform(action);
      } catch (const std::exception& e) {
        link_.close();
        next = fsm_.on_lost(std::string("connect: ") + e.what(), Clock::now());
      }
      if (next.type == Type::kNone) continue;  // nothing changed: carry on with `action`
      report(next);
      action = std::move(next);
    }
  }

  // Performs `action` (run() never passes kNone or kStopped) and returns the FSM's answer.
  net::awaitable<ConnAction> perform(const ConnAction& action) {
    if (action.type == Type::kResolve) {
      // getaddrinfo runs on Asio's resolver thread: it cannot block the io thread.
      auto [ec, results] = co_await resolver_.async_resolve(action.host, std::to_string(action.port), kNoThrow);
      const std::string address = ec ? std::string() : preferred_address(results);
      co_return fsm_.on_resolved(ec, address, Clock::now());
    }
    if (action.type == Type::kConnect) co_return co_await connect(action);
    if (action.type == Type::kSend) {
      Result result = co_await handshake_command(action);
      co_return fsm_.on_reply(result, Clock::now());
    }
    if (action.type == Type::kServe) co_return co_await serve();
    if (action.type == Type::kClose) link_.close();
    while (!stopped() && Clock::now() < action.until && !retargeted_) co_await wait_signal(action.until);  // kClose, kWait
    consult_target();
    if (std::exchange(retargeted_, false)) co_return fsm_.skip_backoff(Clock::now());
    co_return fsm_.on_deadline(Clock::now());
  }

  net::awaitable<ConnAction> connect(const ConnAction& action) {
    if (std::optional<std::string> failed = link_.open(action.host, action.port)) {
      co_return fsm_.on_connected(Errc::connect_failed, *failed, Clock::now());
    }
    while (link_.context() && !link_.up() && !stopped() && Clock::now() < action.until) {
      co_await wait_signal(action.until);
    }
    const TimePoint now = Clock::now();
    if (!link_.context()) co_return fsm_.on_connected(Errc::connect_failed, link_.error(), now);
    co_return link_.up() ? fsm_.on_connected({}, {}, now) : fsm_.on_deadline(now);
  }

  // Sends a handshake step past the circuit breaker, bounded by the attempt's deadline.
  net::awaitable<Result> handshake_command(const ConnAction& action) {
    const std::vector<std::string_view> argv(action.argv.begin(), action.argv.end());
    co_return co_await net::async_initiate<const net::use_awaitable_t<>&, void(Result)>(
        [this, until = action.until](auto handler, std::span<const std::string_view> args) {
          send(args, Completion{Handler(std::move(handler)), nullptr, 0}, true, until);
        },
        net::use_awaitable, std::span<const std::string_view>(argv));
  }

  net::awaitable<ConnAction> serve() {
    consecutive_timeouts_ = 0;
    breaker_.on_reconnected();
    serving_ = true;
    connected_.store(true, std::memory_order_relaxed);
    if (subscription_.active() && !subscription_.send(link_.context())) {
      link_.close();
      co_return fsm_.on_lost("SUBSCRIBE could not be sent", Clock::now());
    }
    while (link_.context() && fsm_.state() == State::kReady) co_await wait_signal(TimePoint::max());
    if (!stuck_) co_return fsm_.on_lost(link_.error(), Clock::now());
    ConnAction close = std::move(*stuck_);  // on_timer closed the link: the FSM already answered
    stuck_.reset();
    co_return close;
  }

  // The action's log line and counters.
  void report(const ConnAction& action) {
    if (action.report == Report::kNone) return;
    const std::string endpoint = fsm_.endpoint().name();
    if (action.report == Report::kConnected) {
      stats_.connects.fetch_add(1, std::memory_order_relaxed);
      log(LogLevel::kInfo, "redis: connected to " + endpoint + " db " + std::to_string(config_.db));
    } else if (action.report == Report::kStreakStarted || action.report == Report::kAttemptFailed) {
      stats_.connect_failures.fetch_add(1, std::memory_order_relaxed);
      if (action.report == Report::kStreakStarted) {
        log(LogLevel::kWarn, "redis: cannot connect to " + endpoint + ": " + last_error() + " (retrying with back-off)");
      }
    } else if (action.report == Report::kLost) {
      log(LogLevel::kWarn, "redis: connection to " + endpoint + " lost: " + last_error());
    }
  }

  net::awaitable<void> wait_signal(TimePoint until) {
    signal_.expires_at(until);
    co_await signal_.async_wait(kNoThrow);
  }

  // The link connected, failed or went away (then inside hiredis' cleanup hook).
  void on_link_change() {
    if (!link_.context()) {
      if (serving_) stats_.disconnects.fetch_add(1, std::memory_order_relaxed);
      serving_ = false;
      connected_.store(false, std::memory_order_relaxed);
    }
    signal_.cancel();
  }

  // --- hiredis callbacks (C): nothing may throw out of them, and they never free the context
  // (it may be mid-free); they record and post. ---

  static void on_reply(redisAsyncContext* ac, void* reply, void* privdata) {
    auto* p = static_cast<PendingCommand*>(privdata);
    auto* self = static_cast<Impl*>(HiredisLink::owner_of(ac));
    self->pending_.remove(p);
    try {
      self->finish(p, static_cast<redisReply*>(reply));
    } catch (...) {
    }
    delete p;
  }

  void finish(PendingCommand* p, redisReply* reply) {
    if (p->completed) return;  // timed out or aborted earlier: the late reply is dropped
    Result result;
    if (reply == nullptr) {
      result.ec = stopped() ? make_error_code(net::error::operation_aborted) : make_error_code(Errc::connection_lost);
      if (!stopped()) breaker_failure(*p, result.ec);
    } else {
      result.reply = Reply::adopt(reply);
      consecutive_timeouts_ = 0;
      breaker_success(*p);
    }
    complete(p, std::move(result));
  }

  void complete(PendingCommand* p, Result result) {
    p->completed = true;
    deliver(executor_, std::move(p->completion), std::move(result));
  }

  void reject(Completion completion, boost::system::error_code ec) {
    stats_.rejected.fetch_add(1, std::memory_order_relaxed);
    deliver(executor_, std::move(completion), Result{ec, {}});
  }

  // --- circuit breaker: outcomes of the commands it let through, and its log lines ---

  void breaker_success(const PendingCommand& p) {
    const BreakerState before = breaker_.state();
    breaker_.on_success(p.ticket);
    if (before != BreakerState::kClosed && breaker_.state() == BreakerState::kClosed) {
      log(LogLevel::kInfo, "redis: circuit breaker closed: " + fsm_.endpoint().name() + " answers commands again");
    }
  }

  void breaker_failure(const PendingCommand& p, const boost::system::error_code& ec) {
    const BreakerState before = breaker_.state();
    breaker_.on_failure(p.ticket, Clock::now());
    // Only the opening is logged, not each failed probe: a Redis that stays down must not
    // flood the log.
    if (before == BreakerState::kClosed && breaker_.state() == BreakerState::kOpen) {
      log(LogLevel::kWarn, "redis: circuit breaker open after " + std::to_string(CircuitBreaker::kThreshold) +
                               " failures in a row (last: " + ec.message() + "); commands to " +
                               fsm_.endpoint().name() + " fail fast until a probe succeeds (first probe within " +
                               std::to_string(breaker_.cooldown().count()) + " ms)");
    }
  }

  // --- per-command timeout: one timer for the oldest pending command ---

  void arm_timer() {
    if (timer_armed_ || pending_.empty() || stopped()) return;
    timer_armed_ = true;
    timer_.expires_at(pending_.front()->deadline);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code&) { self->on_timer(); });
  }

  void on_timer() {
    timer_armed_ = false;
    if (stopped()) return;
    const TimePoint now = Clock::now();
    int expired = 0;
    for (; PendingCommand* p = pending_.pop_expired(now); ++expired) {
      const boost::system::error_code ec = make_error_code(Errc::timeout);
      breaker_failure(*p, ec);
      complete(p, Result{ec, {}});
    }
    if (expired > 0) {
      stats_.timeouts.fetch_add(expired, std::memory_order_relaxed);
      consecutive_timeouts_ += expired;
      ConnAction next = fsm_.on_command_timeouts(consecutive_timeouts_, now);
      if (next.type == Type::kClose) {  // stuck: closed here and now (waking run(), which reports it)
        stuck_ = std::move(next);
        link_.close();
      }
    }
    arm_timer();
  }

  void log(LogLevel level, const std::string& message) {
    if (!log_) return;
    try {
      log_(level, message);
    } catch (...) {
    }
  }

  net::io_context::executor_type executor_;
  config::RedisConfig config_;
  LogFn log_;
  ConnectionFsm fsm_;
  HiredisLink link_;
  bool started_ = false;
  bool serving_ = false;             // the link passed the handshake (its loss is a disconnect)
  std::optional<ConnAction> stuck_;  // on_timer's kClose, for run() to perform
  net::steady_timer signal_;         // wakes run() when the connection state changes
  net::steady_timer timer_;          // deadline of the oldest pending command
  bool timer_armed_ = false;
  tcp::resolver resolver_;
  PendingCommands<PendingCommand> pending_;
  int consecutive_timeouts_ = 0;
  CircuitBreaker breaker_;
  std::string command_;  // the command being sent, RESP-formatted (reused: see format_command)
  std::atomic<bool> connected_{false};
  AtomicStats stats_;
  Subscription subscription_;  // subscriber mode when active
  TargetFn target_;            // where attempts go, when not the configured server
  bool retargeted_ = false;    // retarget() moved the endpoint: skip the back-off
};

RedisClient::RedisClient(net::io_context& ioc, config::RedisConfig config, LogFn log)
    : impl_(std::make_shared<Impl>(ioc, std::move(config), std::move(log))) {}

RedisClient::~RedisClient() { impl_->stop(); }

void RedisClient::subscribe(std::string channel, MessageFn on_message, std::function<void()> on_subscribed,
                            std::function<void()> on_lost) {
  impl_->set_subscription(
      Subscription(std::move(channel), std::move(on_message), std::move(on_subscribed), std::move(on_lost)));
}

void RedisClient::set_target(TargetFn target) { impl_->set_target(std::move(target)); }
void RedisClient::retarget() { impl_->retarget(); }
void RedisClient::start() { impl_->start(); }
void RedisClient::stop() { impl_->stop(); }
bool RedisClient::connected() const noexcept { return impl_->connected(); }
BreakerState RedisClient::breaker_state() const noexcept { return impl_->breaker_state(); }
std::size_t RedisClient::pending() const noexcept { return impl_->pending(); }
ClientStats RedisClient::stats() const noexcept { return impl_->stats(); }
const std::string& RedisClient::last_error() const noexcept { return impl_->last_error(); }
const config::RedisConfig& RedisClient::config() const noexcept { return impl_->config(); }
Endpoint RedisClient::endpoint() const { return impl_->endpoint(); }
std::vector<std::string> RedisClient::data_nodes() const { return {impl_->endpoint().name()}; }

void RedisClient::async_command(std::span<const std::string_view> argv, Handler handler) {
  impl_->send(argv, Completion{std::move(handler), nullptr, 0}, false, impl_->command_deadline());
}

void RedisClient::async_command_at(std::string_view node, std::span<const std::string_view> argv, Handler handler) {
  if (node == impl_->endpoint().name()) return async_command(argv, std::move(handler));
  impl_->refuse(std::move(handler));  // not this client's server
}

void RedisClient::async_pipeline(std::span<const std::span<const std::string_view>> commands,
                                 PipelineHandler handler) {
  impl_->send_pipeline(commands, std::move(handler));
}

}  // namespace foilcache::redis
