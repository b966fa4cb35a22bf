// The server: one Worker per io thread, each with its own SO_REUSEPORT listener, storage
// and upstream pool; the L1 tier and its subscriber; the app's event feed; warming; signal
// handling (SIGINT and SIGTERM drain, SIGHUP reloads).
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "proxy/app/warmer.hpp"
#include "proxy/app/worker.hpp"
#include "proxy/config/config.hpp"
#include "proxy/feeds/socketio_feed.hpp"
#include "proxy/metrics/metrics.hpp"
#include "proxy/redis/client.hpp"

namespace foilcache::app {

class Server {
 public:
  // `config_path` is re-read on SIGHUP. Memory mode (redis.url empty): the embedded store
  // is made here, shared by every io thread.
  Server(std::shared_ptr<const config::Config> config, std::string config_path);
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

  // Applies a new config to every worker (new requests use it; in-flight ones keep theirs)
  // and to the feed (its `events:` map at once; a new feeds.socketio url resubscribes).
  // Fields that need a restart (listen, threads, upstream, redis, memory) keep their old values.
  void apply_config(std::shared_ptr<const config::Config> config);

 private:
  void reload_from_file();
  // The subscriber that keeps the L1 coherent and the heartbeat, on the first worker.
  void start_l1(Worker& first);
  std::shared_ptr<const http_server::Snapshot> snapshot_of(std::shared_ptr<const config::Config> config);

  std::shared_ptr<const config::Config> config_;
  std::string config_path_;
  std::unique_ptr<metrics::Metrics> metrics_;  // outlives the workers, which point to it
  std::unique_ptr<store::L1> l1_;              // Redis mode with l1.enabled
  Shared shared_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::unique_ptr<Warmer> warmer_;  // on the first worker; destroyed before it
  std::shared_ptr<redis::Client> subscriber_;
  // The app's Socket.IO feed, on the first worker with its Invalidator; made in every mode
  // (off while feeds.socketio.url is empty), so a reload can turn it on. Destroyed before
  // the workers, after their io threads stopped.
  std::unique_ptr<feeds::SocketIoFeed> feed_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
};

}  // namespace foilcache::app
