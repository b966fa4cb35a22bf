#include "proxy/redis/connection_fsm.hpp"

#include <algorithm>
#include <utility>

#include <boost/asio/ip/address.hpp>

#include "proxy/redis/redis_error.hpp"

namespace foilcache::redis {
namespace {

// The server of a RedisConfig that names no host (where redis-server listens by default).
constexpr const char* kDefaultHost = "127.0.0.1";
// What replaces the password in last_error().
constexpr std::string_view kScrubbed = "***";

// AUTH when a password is set (with the username, if any: Redis 6 ACLs), SELECT when the
// database is not 0, and always PING: the server is known to answer before it is used.
std::vector<std::vector<std::string>> handshake_plan(const config::RedisConfig& config) {
  std::vector<std::vector<std::string>> plan;
  if (!config.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!config.username.empty()) auth.push_back(config.username);
    auth.push_back(config.password);
    plan.push_back(std::move(auth));
  }
  if (config.db != 0) plan.push_back({"SELECT", std::to_string(config.db)});
  if (config.verify_master) plan.push_back({"ROLE"});
  plan.push_back({"PING"});
  return plan;
}

// An action without host, port or argv.
ConnAction make_action(ConnAction::Type type, ConnAction::Report report = ConnAction::Report::kNone,
                       ConnAction::TimePoint until = ConnAction::TimePoint::max()) {
  ConnAction action;
  action.type = type;
  action.report = report;
  action.until = until;
  return action;
}

// kResolve or kConnect of `host`.
ConnAction make_open(ConnAction::Type type, std::string host, std::uint16_t port, ConnAction::TimePoint until) {
  ConnAction action = make_action(type, ConnAction::Report::kNone, until);
  action.host = std::move(host);
  action.port = port;
  return action;
}

// ROLE's answer of a master: ["master", offset, replicas].
bool is_master_role(const Reply& reply) {
  return reply.type == ReplyType::kArray && !reply.elements.empty() && reply.elements.front().str() == "master";
}

bool is_address_literal(const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

std::string Endpoint::name() const { return host + ":" + std::to_string(port); }

Endpoint endpoint_of(const config::RedisConfig& config) {
  return Endpoint{config.host.empty() ? std::string(kDefaultHost) : config.host, config.port};
}

ConnectionFsm::ConnectionFsm(Endpoint endpoint, const config::RedisConfig& config, std::uint32_t jitter_seed)
    : endpoint_(std::move(endpoint)),
      password_(config.password),
      connect_timeout_(config.connect_timeout),
      reconnect_min_(config.reconnect_min),
      reconnect_max_(config.reconnect_max),
      plan_(handshake_plan(config)),
      backoff_(config.reconnect_min),
      rng_(jitter_seed) {}

ConnAction ConnectionFsm::start(TimePoint now) {
  if (state_ == State::kStopped) return make_action(Type::kStopped);
  if (state_ != State::kIdle) return make_action(Type::kNone);
  return begin_attempt(now);
}

ConnAction ConnectionFsm::on_resolved(boost::system::error_code ec, std::string_view address, TimePoint now) {
  if (state_ == State::kStopped) return make_action(Type::kStopped);
  if (state_ != State::kResolving) return make_action(Type::kNone);
  if (ec || address.empty()) {
    return fail("cannot resolve " + endpoint_.host + ": " + (ec ? ec.message() : "no address"), Type::kWait, now);
  }
  state_ = State::kConnecting;
  return make_open(Type::kConnect, std::string(address), endpoint_.port, deadline_);
}

ConnAction ConnectionFsm::on_connected(boost::system::error_code ec, std::string_view detail, TimePoint now) {
  if (state_ == State::kStopped) return make_action(Type::kStopped);
  if (state_ != State::kConnecting) return make_action(Type::kNone);
  if (ec) return fail("connect: " + std::string(detail), Type::kWait, now);
  state_ = State::kHandshake;
  step_ = 0;
  return next_step();
}

ConnAction ConnectionFsm::on_reply(const Result& result, TimePoint now) {
  if (state_ == State::kStopped) return make_action(Type::kStopped);
  if (state_ != State::kHandshake) return make_action(Type::kNone);
  const std::string& what = plan_[step_].front();
  if (result.ec) return fail(what + ": " + result.ec.message(), Type::kClose, now);
  if (result.reply.is_error()) return fail(what + " refused: " + std::string(result.reply.str()), Type::kClose, now);
  if (what == "ROLE" && !is_master_role(result.reply)) {
    // A Sentinel's answer may be out of date (a failover under way): not a master, not used.
    return fail("ROLE: " + endpoint_.name() + " is not a master", Type::kClose, now);
  }
  ++step_;
  return next_step();
}

ConnAction ConnectionFsm::on_deadline(TimePoint now) {
  if (state_ == State::kStopped) return make_action(Type::kStopped);
  if (now < deadline_) return make_action(Type::kNone);
  switch (state_) {
    case State::kConnecting: return fail("connect timed out", Type::kClose, now);
    case State::kHandshake:
      // What the step's own command timeout reports (RedisClient bounds it that way).
      return fail(plan_[step_].front() + ": " + make_error_code(Errc::timeout).message(), Type::kClose, now);
    case State::kBackoff: return begin_attempt(now);
    default: return make_action(Type::kNone);  // idle, resolving (never cut short), ready: no deadline
  }
}

ConnAction ConnectionFsm::on_lost(std::string_view why, TimePoint now) {
  switch (state_) {
    case State::kStopped: return make_action(Type::kStopped);
    case State::kIdle: return make_action(Type::kNone);
    case State::kReady:
      set_error(std::string(why));
      return back_off(Type::kWait, Report::kLost, now);
    case State::kBackoff: return make_action(Type::kWait, Report::kNone, deadline_);
    case State::kResolving: return fail(std::string(why), Type::kWait, now);
    default: return fail(std::string(why), Type::kClose, now);  // connecting, handshake
  }
}

ConnAction ConnectionFsm::on_command_timeouts(int in_a_row, TimePoint now) {
  if (state_ == State::kStopped) return make_action(Type::kStopped);
  if (state_ != State::kReady || in_a_row < kMaxConsecutiveTimeouts) return make_action(Type::kNone);
  set_error(std::to_string(in_a_row) + " commands timed out in a row");
  return back_off(Type::kClose, Report::kLost, now);
}

ConnAction ConnectionFsm::skip_backoff(TimePoint now) {
  if (state_ == State::kStopped) return make_action(Type::kStopped);
  if (state_ != State::kBackoff) return make_action(Type::kNone);
  backoff_ = reconnect_min_;
  failure_streak_ = 0;
  return begin_attempt(now);
}

ConnAction ConnectionFsm::stop() {
  state_ = State::kStopped;
  return make_action(Type::kStopped);
}

ConnAction ConnectionFsm::begin_attempt(TimePoint now) {
  // One deadline for the whole attempt: resolve, connect and every handshake step.
  deadline_ = now + connect_timeout_;
  step_ = 0;
  if (endpoint_.host.empty()) return fail("no server known yet", Type::kWait, now);
  const bool literal = is_address_literal(endpoint_.host);
  state_ = literal ? State::kConnecting : State::kResolving;
  return make_open(literal ? Type::kConnect : Type::kResolve, endpoint_.host, endpoint_.port, deadline_);
}

ConnAction ConnectionFsm::next_step() {
  if (step_ < plan_.size()) {
    ConnAction send = make_action(Type::kSend, Report::kNone, deadline_);
    send.argv = plan_[step_];
    return send;
  }
  state_ = State::kReady;
  failure_streak_ = 0;
  backoff_ = reconnect_min_;
  return make_action(Type::kServe, Report::kConnected);
}

ConnAction ConnectionFsm::fail(std::string why, Type type, TimePoint now) {
  set_error(std::move(why));
  // Once per failure streak: a Redis that stays down must not flood the log.
  const Report report = failure_streak_++ == 0 ? Report::kStreakStarted : Report::kAttemptFailed;
  return back_off(type, report, now);
}

ConnAction ConnectionFsm::back_off(Type type, Report report, TimePoint now) {
  state_ = State::kBackoff;
  deadline_ = now + jittered(backoff_);
  backoff_ = std::min<Duration>(backoff_ * 2, std::max(reconnect_max_, reconnect_min_));
  return make_action(type, report, deadline_);
}

ConnectionFsm::Duration ConnectionFsm::jittered(Duration base) {
  // Half fixed, half random: replicas that lost Redis together do not retry in lockstep.
  const auto half = base.count() / 2;
  std::uniform_int_distribution<Duration::rep> spread(0, std::max<Duration::rep>(half, 0));
  return Duration(base.count() - half + spread(rng_));
}

void ConnectionFsm::set_error(std::string message) {
  if (!password_.empty()) {
    for (auto pos = message.find(password_); pos != std::string::npos;
         pos = message.find(password_, pos + kScrubbed.size())) {
      message.replace(pos, password_.size(), kScrubbed);
    }
  }
  last_error_ = std::move(message);
}

}  // namespace foilcache::redis
