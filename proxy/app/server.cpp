#include "proxy/app/server.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <system_error>

#include "common/hex.hpp"
#include "proxy/app/reload.hpp"
#include "proxy/app/stats_flusher.hpp"
#include "proxy/config/config_loader.hpp"
#include "proxy/log/log.hpp"
#include "proxy/redis/make_client.hpp"
#include "proxy/store/invalidation_bus.hpp"

namespace foilcache::app {
namespace {

constexpr auto kDrainPoll = std::chrono::milliseconds(10);
constexpr std::size_t kInstanceIdDigits = 12;

// Raises the soft descriptor limit to the hard one (each connection is a descriptor, and
// the soft default, often 1024, is far below what a proxy holds), as HAProxy does for its
// maxconn. Returns the limit in force; 0: unlimited. A refused raise keeps the soft one.
std::size_t raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? 0 : static_cast<std::size_t>(limit.rlim_cur);
}

}  // namespace

Server::Server(std::shared_ptr<const config::Config> config, std::string config_path)
    : config_(std::move(config)),
      config_path_(std::move(config_path)),
      metrics_(std::make_unique<metrics::Metrics>(config_->redis.url.empty() ? "memory" : "redis")) {
  shared_.metrics = metrics_.get();
  shared_.descriptors = raise_descriptor_limit();
  shared_.instance_id = common::random_hex(kInstanceIdDigits);
  if (config_->redis.url.empty()) {
    shared_.memory = std::make_shared<store::MemoryCache>(config_->memory);
    metrics_->add_scrape_hook(
        [memory = shared_.memory](metrics::Metrics& m) { m.set_stored_bytes(static_cast<double>(memory->bytes())); });
  } else if (config_->l1.enabled) {
    l1_ = std::make_unique<store::L1>(config_->l1);
    shared_.l1 = l1_.get();
  }
}

Server::~Server() {
  if (!stopped_ && !threads_.empty()) drain_and_stop();
}

std::shared_ptr<const http_server::Snapshot> Server::snapshot_of(std::shared_ptr<const config::Config> config) {
  auto snapshot = std::make_shared<http_server::Snapshot>();
  snapshot->series = metrics_->resolve_routes(*config);
  snapshot->config = std::move(config);
  return snapshot;
}

void Server::start() {
  const unsigned threads = config_->threads ? config_->threads : std::max(1u, std::thread::hardware_concurrency());
  tcp::endpoint endpoint(net::ip::make_address(config_->listen_host), config_->listen_port);
  const auto snapshot = snapshot_of(config_);
  const auto& limits = config_->limits;
  log::info("client connections: at most " +
            std::to_string(http_server::ConnectionLimits::effective_total(limits.max_connections, shared_.descriptors)) +
            " (limits.max_connections " + std::to_string(limits.max_connections) + ", " +
            (shared_.descriptors == 0 ? std::string("no descriptor limit")
                                      : std::to_string(shared_.descriptors) + " descriptors") +
            "), " + std::to_string(limits.max_connections_per_ip) + " per address");
  for (unsigned i = 0; i < threads; ++i) {
    workers_.push_back(std::make_unique<Worker>(shared_, snapshot, endpoint));
    // Port 0 (tests): the first worker picks the port, the others join it.
    endpoint.port(workers_.back()->port());
  }
  port_ = endpoint.port();
  Worker& first = *workers_.front();
  if (auto* counters = first.counters()) {
    net::co_spawn(first.ioc(), flush_stats(*counters, shared_.stats, shared_.drain), net::detached);
  }
  warmer_ = std::make_unique<Warmer>(first, loopback_for(config_->listen_host, port_));
  shared_.on_invalidated = [warmer = warmer_.get()](const std::vector<std::string>& tags) { warmer->warm_tags(tags); };
  warmer_->start();
  if (l1_) start_l1(first);
  // Before the io threads run, so apply() may start the feed's client from here.
  feed_ = std::make_unique<feeds::SocketIoFeed>(first.ioc(), first.invalidator(), first.lock(), *shared_.clock,
                                                metrics_.get());
  feed_->apply(config_);
  metrics_->add_scrape_hook([stores = shared_.stores](metrics::Metrics& m) {
    const auto health = [](const store::EntryStore* s) { return s->health(); };
    m.set_store_up(std::all_of(stores.begin(), stores.end(), [&](auto* s) { return health(s).available; }));
    m.set_breakers_open(std::count_if(stores.begin(), stores.end(), [&](auto* s) { return health(s).breaker_open; }));
  });
  for (auto& worker : workers_) {
    worker->start();
    threads_.emplace_back([w = worker.get()] {
      auto guard = net::make_work_guard(w->ioc());
      w->ioc().run();
    });
  }
}

void Server::start_l1(Worker& first) {
  subscriber_ = redis::make_client(first.ioc(), config_->redis);
  store::InvalidationBus* bus = &first.bus();
  subscriber_->subscribe(
      config_->redis.prefix + "@invalidate", [bus](std::string_view payload) { bus->on_message(payload); },
      [bus] { bus->on_resubscribed(); }, {});
  subscriber_->start();
  net::co_spawn(first.ioc(), bus->heartbeat(shared_.drain.draining), net::detached);
  metrics_->set_l1(0, false);  // creates the series now, before the io threads scrape
  metrics_->add_scrape_hook([l1 = l1_.get()](metrics::Metrics& m) { m.set_l1(l1->cache().bytes(), l1->trusted()); });
}

void Server::apply_config(std::shared_ptr<const config::Config> config) {
  auto merged = merge_restart_only(*config_, *config);
  for (const auto& warning : merged.warnings) log::warn(warning);
  config_ = merged.config;
  const auto snapshot = snapshot_of(merged.config);
  for (auto& worker : workers_) {
    net::post(worker->ioc(), [w = worker.get(), snapshot] { w->apply(snapshot); });
  }
  if (feed_) net::post(workers_.front()->ioc(), [feed = feed_.get(), config = config_] { feed->apply(config); });
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
  shared_.drain.draining.store(true);
  for (auto& worker : workers_) net::post(worker->ioc(), [w = worker.get()] { w->stop_accepting(); });
  const auto deadline = std::chrono::steady_clock::now() + config_->timeouts.drain;
  while (shared_.drain.active_sessions.load() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(kDrainPoll);
  }
  if (shared_.drain.active_sessions.load() != 0) {
    log::warn("drain timeout: closing " + std::to_string(shared_.drain.active_sessions.load()) + " connection(s)");
  }
  for (auto& worker : workers_) worker->ioc().stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

}  // namespace foilcache::app
