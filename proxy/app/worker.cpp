#include "proxy/app/worker.hpp"

#include <unistd.h>

#include "proxy/admin/admin_api.hpp"
#include "proxy/admin/status_endpoints.hpp"
#include "proxy/admin/webhook_handler.hpp"
#include "proxy/app/backend.hpp"
#include "proxy/http/listener.hpp"
#include "proxy/log/access_log.hpp"
#include "proxy/pipeline/cache_pipeline.hpp"
#include "proxy/pipeline/pass_through.hpp"
#include "proxy/pipeline/tunnel.hpp"
#include "proxy/pipeline/write_through.hpp"
#include "proxy/store/invalidation_bus.hpp"
#include "proxy/store/tiered_store.hpp"
#include "proxy/upstream/client.hpp"
#include "proxy/upstream/pool.hpp"

namespace foilcache::app {

using http_server::Target;

Worker::Worker(Shared& shared, std::shared_ptr<const http_server::Snapshot> snapshot, const tcp::endpoint& endpoint)
    : shared_(shared), slot_{std::move(snapshot)}, ioc_(1) {
  const config::Config& config = *slot_.current->config;
  const common::Clock& clock = *shared_.clock;
  metrics::Metrics* metrics = shared_.metrics;
  // Storage and the app, then the pipeline on top, then the doors in front.
  backend_ = make_backend(config, ioc_, shared_.memory);
  shared_.stores.push_back(backend_.entries.get());
  pool_ = std::make_unique<upstream::Pool>(ioc_.get_executor(), config.upstream, config.timeouts,
                                           config.limits.upstream_pool_size);
  client_ = std::make_unique<upstream::Client>(*pool_);
  tiers_ = std::make_unique<store::TieredStore>(shared_.l1, *backend_.entries, metrics, shared_.stats);
  bus_ = std::make_unique<store::InvalidationBus>(ioc_.get_executor(), shared_.l1, backend_.channel,
                                                  shared_.instance_id, config.l1.max_staleness, clock);
  invalidator_ = std::make_unique<store::Invalidator>(*backend_.entries, *bus_, metrics, shared_.stats,
                                                      shared_.on_invalidated);
  writer_ = std::make_unique<pipeline::EntryWriter>(clock, metrics);
  coalescer_ = std::make_unique<pipeline::Coalescer>(shared_.flights, backend_.lock, *backend_.entries, clock);
  forwarder_ = std::make_unique<pipeline::Forwarder>(*client_, *tiers_, *invalidator_, *writer_, clock, metrics);
  revalidator_ = std::make_unique<pipeline::Revalidator>(*client_, *tiers_, *coalescer_, clock, metrics);
  cache_pipeline_ = std::make_unique<pipeline::CachePipeline>(*tiers_, *coalescer_, *forwarder_, *revalidator_,
                                                              *writer_, clock, metrics, shared_.stats);
  pass_through_ = std::make_unique<pipeline::PassThrough>(*forwarder_, metrics);
  write_through_ = std::make_unique<pipeline::WriteThrough>(*forwarder_, metrics);
  tunnel_ = std::make_unique<pipeline::Tunnel>(*client_, *writer_, clock, metrics);
  admin_api_ = std::make_unique<admin::AdminApi>(*backend_.entries, backend_.counters, *invalidator_, shared_.stats,
                                                 clock);
  webhook_ = std::make_unique<admin::WebhookHandler>(*invalidator_, clock, metrics);
  status_ = std::make_unique<admin::StatusEndpoints>(shared_.stores, metrics);
  const auto set = [this](Target target, http_server::Handler& handler) {
    handlers_.by_target[static_cast<std::size_t>(target)] = &handler;
  };
  set(Target::kHealth, *status_);
  set(Target::kReady, *status_);
  set(Target::kMetrics, *status_);
  set(Target::kWebhook, *webhook_);
  set(Target::kAdmin, *admin_api_);
  set(Target::kUpgrade, *tunnel_);
  set(Target::kRouted, *cache_pipeline_);
  set(Target::kWrite, *write_through_);
  set(Target::kPass, *pass_through_);
  access_log_ = std::make_unique<log::AccessLog>(ioc_, STDOUT_FILENO);
  sessions_ = std::make_unique<http_server::SessionContext>(
      http_server::SessionContext{slot_, handlers_, shared_.drain, idle_, access_log_.get(), metrics});
  listener_ = std::make_unique<http_server::Listener>(ioc_, endpoint);
}

Worker::~Worker() = default;

std::uint16_t Worker::port() const { return listener_->port(); }

http_server::ConnectionCaps Worker::connection_caps() const {
  const config::LimitsConfig& limits = slot_.current->config->limits;
  return {http_server::ConnectionLimits::effective_total(limits.max_connections, shared_.descriptors),
          limits.max_connections_per_ip};
}

void Worker::start() {
  http_server::Accepting accepting;
  accepting.metrics = shared_.metrics;
  accepting.may_accept = [this] { return shared_.connections.may_accept(connection_caps()); };
  accepting.on_accept = [this](tcp::socket& socket) {
    using Verdict = http_server::ConnectionLimits::Verdict;
    error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (ec) return true;  // gone already: closed with the socket
    auto admission = shared_.connections.admit(remote.address(), connection_caps());
    if (admission.verdict == Verdict::kTotalFull) return false;
    if (admission.verdict == Verdict::kAddressFull) {
      if (shared_.metrics != nullptr) shared_.metrics->count_error(metrics::ErrorKind::kConnectionLimit);
      http_server::refuse_over_share(socket);
      return true;
    }
    net::co_spawn(ioc_, http_server::serve_connection(std::move(socket), std::move(admission.slot), *sessions_),
                  net::detached);
    return true;
  };
  listener_->start(std::move(accepting));
}

void Worker::apply(std::shared_ptr<const http_server::Snapshot> snapshot) {
  slot_.current = std::move(snapshot);
  bus_->set_max_staleness(slot_.current->config->l1.max_staleness);
}

void Worker::stop_accepting() {
  listener_->close();
  // Idle keep-alive connections have nothing in flight: close them now.
  idle_.cancel_all();
}

}  // namespace foilcache::app
