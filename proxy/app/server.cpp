#include "proxy/app/server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <iostream>
#include <random>
#include <system_error>

#include "proxy/log/log.hpp"
#include "proxy/app/backend.hpp"
#include "proxy/config/config_loader.hpp"
#include "proxy/http/session.hpp"
#include "common/hex.hpp"

namespace foilcache::app {
namespace {

constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);  // after EMFILE and the like
constexpr auto kDrainPoll = std::chrono::milliseconds(10);
// How often this process adds its stats to the shared counters (INTERFACE: at least 1/s).
constexpr auto kStatsFlushInterval = std::chrono::milliseconds(500);

std::string random_instance_id() { return common::random_hex(12); }

// Adds what this process counted to the store's shared counters, every
// kStatsFlushInterval, until the server drains (then once more). A failed flush keeps the
// counts for the next one.
net::awaitable<void> flush_stats(Worker& worker) {
  net::steady_timer timer(worker.ioc);
  for (bool last = false; !last;) {
    timer.expires_after(kStatsFlushInterval);
    co_await timer.async_wait(kNoThrow);
    last = worker.shared.draining.load();
    auto values = worker.shared.stats.take_unflushed();
    const bool any = std::any_of(values.begin(), values.end(), [](const auto& v) { return v.second != 0; });
    if (!any) continue;
    auto copy = values;  // a named local: GCC 12 and by-value coroutine arguments
    if (co_await worker.backend.counters->add(std::move(copy)) != store::StoreStatus::kOk) {
      worker.shared.stats.restore_unflushed(values);
    }
  }
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor, Worker& worker) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
    if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      log::warn("accept failed: " + ec.message());
      net::steady_timer timer(worker.ioc, kAcceptRetryDelay);
      co_await timer.async_wait(kNoThrow);
      continue;
    }
    net::co_spawn(worker.ioc, http_server::serve_connection(std::move(socket), worker), net::detached);
  }
}

std::unique_ptr<tcp::acceptor> bind_acceptor(net::io_context& ioc, const tcp::endpoint& endpoint) {
  auto acceptor = std::make_unique<tcp::acceptor>(ioc);
  acceptor->open(endpoint.protocol());
  acceptor->set_option(net::socket_base::reuse_address(true));
  // Every worker binds the same port; the kernel spreads connections across them.
  int one = 1;
  if (::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    throw std::system_error(errno, std::generic_category(), "SO_REUSEPORT");
  }
  acceptor->bind(endpoint);
  acceptor->listen(net::socket_base::max_listen_connections);
  return acceptor;
}

// Keeps the settings that only take effect at start-up from `current`.
std::shared_ptr<const config::Config> merge_restart_only(const config::Config& current,
                                                         std::shared_ptr<const config::Config> next) {
  auto merged = std::make_shared<config::Config>(*next);
  const auto warn_if = [](bool changed, const char* what) {
    if (changed) log::warn(std::string("reload: '") + what + "' changed; it takes effect after a restart");
  };
  warn_if(merged->listen_host != current.listen_host || merged->listen_port != current.listen_port, "listen");
  warn_if(merged->upstream_url != current.upstream_url, "upstream");
  warn_if(merged->threads != current.threads, "threads");
  warn_if(merged->redis.url != current.redis.url || merged->redis.prefix != current.redis.prefix, "redis");
  merged->listen_host = current.listen_host;
  merged->listen_port = current.listen_port;
  merged->upstream_url = current.upstream_url;
  merged->upstream = current.upstream;
  merged->threads = current.threads;
  merged->redis = current.redis;
  merged->memory = current.memory;
  return merged;
}

}  // namespace

Server::Server(std::shared_ptr<const config::Config> config, std::string config_path)
    : config_(std::move(config)),
      config_path_(std::move(config_path)),
      metrics_(std::make_unique<metrics::Metrics>(config_->redis.url.empty() ? "memory" : "redis")) {
  shared_.metrics = metrics_.get();
  shared_.instance_id = random_instance_id();
  if (config_->redis.url.empty()) {
    memory_ = std::make_shared<store::MemoryCache>(config_->memory);
    metrics_->add_scrape_hook(
        [memory = memory_](metrics::Metrics& m) { m.set_stored_bytes(static_cast<double>(memory->bytes())); });
  }
}

Server::~Server() {
  if (!stopped_ && !threads_.empty()) drain_and_stop();
}

void Server::start() {
  const unsigned threads = config_->threads ? config_->threads : std::max(1u, std::thread::hardware_concurrency());
  const auto address = net::ip::make_address(config_->listen_host);
  tcp::endpoint endpoint(address, config_->listen_port);
  const auto route_series = metrics_->resolve_routes(*config_);
  for (unsigned i = 0; i < threads; ++i) {
    auto worker = std::make_unique<Worker>(shared_);
    worker->config = config_;
    worker->route_series = route_series;
    worker->access_log = std::make_unique<log::AccessLog>(worker->ioc, STDOUT_FILENO);
    worker->backend = make_backend(*config_, worker->ioc, memory_);
    shared_.stores.push_back(worker->backend.entries.get());
    worker->pool = std::make_unique<upstream::Pool>(worker->ioc.get_executor(), config_->upstream,
                                                    config_->timeouts, config_->limits.upstream_pool_size);
    auto acceptor = bind_acceptor(worker->ioc, endpoint);
    // Port 0 (tests): the first worker picks the port, the others join it.
    endpoint.port(acceptor->local_endpoint().port());
    net::co_spawn(worker->ioc, accept_loop(*acceptor, *worker), net::detached);
    acceptors_.push_back(std::move(acceptor));
    workers_.push_back(std::move(worker));
  }
  port_ = endpoint.port();
  if (!config_->redis.url.empty() && config_->l1.enabled) {
    l1_ = std::make_unique<store::L1>(config_->l1);
    shared_.l1 = l1_.get();
  }
  for (auto& worker : workers_) {
    Worker& w = *worker;
    w.tiers = std::make_unique<store::TieredStore>(shared_.l1, *w.backend.entries, shared_.metrics, shared_.stats);
    w.bus = std::make_unique<store::InvalidationBus>(w.ioc.get_executor(), shared_.l1, w.backend.channel,
                                                     shared_.instance_id, config_->l1.max_staleness,
                                                     *shared_.clock);
    w.invalidator = std::make_unique<store::Invalidator>(*w.backend.entries, *w.bus, shared_.metrics, shared_.stats,
                                                         shared_.on_invalidated);
  }
  Worker& first = *workers_.front();
  if (first.backend.counters) net::co_spawn(first.ioc, flush_stats(first), net::detached);
  warmer_ = std::make_unique<Warmer>(first, loopback_for(config_->listen_host, port_));
  shared_.on_invalidated = [warmer = warmer_.get()](const std::vector<std::string>& tags) { warmer->warm_tags(tags); };
  warmer_->start();
  if (l1_) start_l1(first);
  metrics_->add_scrape_hook([stores = shared_.stores](metrics::Metrics& m) {
    const auto health = [](const store::EntryStore* s) { return s->health(); };
    m.set_store_up(std::all_of(stores.begin(), stores.end(), [&](auto* s) { return health(s).available; }));
    m.set_breakers_open(std::count_if(stores.begin(), stores.end(), [&](auto* s) { return health(s).breaker_open; }));
  });
  for (auto& worker : workers_) {
    threads_.emplace_back([w = worker.get()] {
      auto guard = net::make_work_guard(w->ioc);
      w->ioc.run();
    });
  }
}

void Server::start_l1(Worker& first) {
  subscriber_ = std::make_shared<redis::RedisClient>(first.ioc, config_->redis);
  store::InvalidationBus* bus = first.bus.get();
  subscriber_->subscribe(
      config_->redis.prefix + "@invalidate", [bus](std::string_view payload) { bus->on_message(payload); },
      [bus] { bus->on_resubscribed(); });
  subscriber_->start();
  net::co_spawn(first.ioc, bus->heartbeat(shared_.draining), net::detached);
  metrics_->set_l1(0, false);  // creates the series now, before the io threads scrape
  metrics_->add_scrape_hook([l1 = l1_.get()](metrics::Metrics& m) { m.set_l1(l1->cache().bytes(), l1->trusted()); });
}

void Server::apply_config(std::shared_ptr<const config::Config> config) {
  auto merged = merge_restart_only(*config_, std::move(config));
  config_ = merged;
  const auto route_series = metrics_->resolve_routes(*merged);
  for (auto& worker : workers_) {
    net::post(worker->ioc, [w = worker.get(), merged, route_series] {
      w->config = merged;
      w->route_series = route_series;
      w->bus->set_max_staleness(merged->l1.max_staleness);
    });
  }
}

void Server::reload_from_file() {
  try {
    apply_config(config::load_config_file(config_path_));
    metrics_->count_reload(true);
    log::info("reload: " + config_path_ + " applied");
  } catch (const config::ConfigError& e) {
    metrics_->count_reload(false);
    log::error(std::string("reload: ") + config_path_ + " rejected, the old config keeps serving:\n" + e.what());
  }
}

int Server::run_until_signalled() {
  net::io_context signals_ioc(1);
  net::signal_set signals(signals_ioc, SIGINT, SIGTERM, SIGHUP);
  bool stop = false;
  std::function<void(const error_code&, int)> on_signal = [&](const error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      reload_from_file();
      signals.async_wait(on_signal);
      return;
    }
    log::info(std::string("received ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") + ", draining");
    stop = true;
  };
  signals.async_wait(on_signal);
  while (!stop && signals_ioc.run_one() > 0) {
  }
  drain_and_stop();
  return 0;
}

void Server::drain_and_stop() {
  if (stopped_) return;
  stopped_ = true;
  shared_.draining.store(true);
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    net::post(workers_[i]->ioc, [w = workers_[i].get(), a = acceptors_[i].get()] {
      error_code ignored;
      a->close(ignored);
      // Idle keep-alive connections have nothing in flight: close them now.
      for (auto* stream : w->idle_streams) stream->cancel();
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + config_->timeouts.drain;
  while (shared_.active_sessions.load() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(kDrainPoll);
  }
  if (shared_.active_sessions.load() != 0) {
    log::warn("drain timeout: closing " + std::to_string(shared_.active_sessions.load()) + " connection(s)");
  }
  for (auto& worker : workers_) worker->ioc.stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

}  // namespace foilcache::app
