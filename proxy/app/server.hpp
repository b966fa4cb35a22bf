// The server: one Worker per io thread, each with its own SO_REUSEPORT acceptor, store and
// upstream pool; the io_context(s) they run on; signal handling (SIGINT/SIGTERM drain,
// SIGHUP reload).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "proxy/app/warmer.hpp"
#include "proxy/app/worker.hpp"
#include "proxy/cache/store.hpp"
#include "proxy/config/config.hpp"
#include "proxy/metrics/metrics.hpp"
#include "proxy/redis/redis_client.hpp"

namespace foilcache::app {

// How the io threads share the event loop (CLI --io-model; a benchmarking knob). Only the
// scheduler differs: in both, each Worker has its own acceptor, store and pool and runs
// one handler at a time on Worker::ex.
enum class IoModel {
  kPerCore,  // one io_context per worker, each run by its own thread (the default)
  kShared,   // one io_context run by every io thread; each worker is a strand of it
};

// "per-core" / "shared" <-> IoModel; parse_io_model returns nullopt for anything else.
std::optional<IoModel> parse_io_model(std::string_view text);
const char* to_string(IoModel model);

class Server {
 public:
  // `config_path` is re-read on SIGHUP.
  Server(std::shared_ptr<const config::Config> config, std::string config_path, cache::StoreFactory store_factory,
         IoModel io_model = IoModel::kPerCore);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listen address on every worker and starts the io threads.
  // Throws std::system_error when the address cannot be bound (start-up only).
  void start();

  // Blocks until SIGINT or SIGTERM, then drains (stop accepting, let in-flight requests
  // finish within timeouts.drain) and stops. Returns the process exit code.
  int run_until_signalled();

  // Stops accepting and drains as above; callable from any thread except an io thread.
  void drain_and_stop();

  std::uint16_t port() const { return port_; }

  // The process's metrics (served at /metrics). Add scrape hooks before start().
  metrics::Metrics& metrics() { return *metrics_; }

  // Applies a new config to every worker (new requests use it; in-flight ones keep theirs).
  // Fields that need a restart (listen, threads, upstream, redis, memory) keep their old values.
  void apply_config(std::shared_ptr<const config::Config> config);

 private:
  void reload_from_file();
  // Creates the L1 tier, its subscriber and the heartbeat on the first worker.
  void start_l1(Worker& first);

  std::shared_ptr<const config::Config> config_;
  std::string config_path_;
  cache::StoreFactory store_factory_;
  IoModel io_model_;
  std::unique_ptr<metrics::Metrics> metrics_;  // outlives the workers, which point to it
  SharedState shared_;
  // Per-core: one per worker (workers_[i] runs on io_contexts_[i]); shared: one for all.
  // Torn down by ~Server in a set order (see there), not by member order.
  std::vector<std::unique_ptr<net::io_context>> io_contexts_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  std::vector<std::thread> threads_;
  std::unique_ptr<Warmer> warmer_;  // on the first worker; destroyed before it
  // The L1 tier and the subscriber that keeps it coherent (Redis mode with l1.enabled).
  std::unique_ptr<cache::L1> l1_;
  std::shared_ptr<redis::RedisClient> subscriber_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
};

}  // namespace foilcache::app
