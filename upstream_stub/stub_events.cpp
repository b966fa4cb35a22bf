#include "upstream_stub/stub_events.hpp"

#include <stdexcept>

#include "common/hex.hpp"

namespace foilcache::stub {
namespace {

constexpr std::string_view kSimulatedFailure = "Simulated failure (upstream stub)";
constexpr std::string_view kTitleDbBusy = "Update already in progress";

std::chrono::system_clock::time_point now() { return std::chrono::system_clock::now(); }

}  // namespace

StubEvents::StubEvents(net::io_context& ioc, StubState& state)
    : state_(state), strand_(net::make_strand(ioc)), host_id_(new_host_id()), debounce_(strand_) {
  const StubOptions& opt = state.options();
  if (opt.socketio_redis_url.empty()) return;
  auto endpoint = parse_redis_url(opt.socketio_redis_url);
  if (!endpoint) {
    throw std::invalid_argument("socketio redis URL is not redis://HOST[:PORT][/DB]: " +
                                opt.socketio_redis_url);
  }
  publisher_ = std::make_unique<SocketIoPublisher>(ioc.get_executor(), std::move(*endpoint),
                                                   opt.socketio_channel, opt.socketio_timeout,
                                                   opt.socketio_queue_limit);
}

void StubEvents::start() {
  if (publisher_) publisher_->start();
  if (state_.options().library_change_every.count() > 0) {
    net::co_spawn(strand_, background_changes(), net::detached);
  }
}

void StubEvents::library_changed() {
  net::post(strand_, [this] {
    const auto wait = state_.options().library_change_debounce;
    if (wait.count() <= 0) {
      emit_library_updated();
      return;
    }
    // @debounce(10): every change restarts the wait (expires_after cancels the old one).
    debounce_.expires_after(wait);
    debounce_.async_wait([this](error_code ec) {
      if (!ec) emit_library_updated();
    });
  });
}

void StubEvents::start_job(JobKind kind, std::string metadata_json) {
  net::co_spawn(strand_, run_job(kind, std::move(metadata_json)), net::detached);
}

std::uint64_t StubEvents::publish_noise() {
  if (!publisher_) return 0;
  std::uint64_t n = 0;
  for (const NoiseKind kind : kAllNoise) {
    publisher_->publish(noise_message(state_.options().socketio_format, kind, host_id_));
    ++n;
  }
  return n;
}

SocketIoStats StubEvents::stats() const {
  return publisher_ ? publisher_->stats() : SocketIoStats{};
}

void StubEvents::emit(std::string_view event, const std::string& payload) {
  if (!publisher_) return;
  publisher_->publish(emit_message(state_.options().socketio_format, event, payload, host_id_));
}

void StubEvents::emit_library_updated() { emit("library_updated", library_updated_payload(now())); }

net::awaitable<void> StubEvents::step() {
  const auto pause = state_.options().job_step;
  if (pause.count() <= 0) co_return;
  net::steady_timer timer(strand_);
  timer.expires_after(pause);
  co_await timer.async_wait(kNoThrow);
}

// job_tracker.py: register_job (scheduled), start_job (running), update_progress,
// complete_job or fail_job; every one emits the record as job_update.
net::awaitable<void> StubEvents::run_job(JobKind kind, std::string metadata_json) {
  const JobScript script = job_script(kind);
  JobRecord r;
  r.id = job_id(kind, now(), common::random_hex(8));
  r.type = script.type;
  r.metadata_json = std::move(metadata_json);
  auto announce = [&] {
    state_.jobs().put(r);
    emit("job_update", job_payload(r));
  };
  if (script.registered) {
    r.status = "scheduled";
    r.started_at = now();  // SystemJob.started_at defaults to now_utc at insert
    announce();
    co_await step();
  }
  r.status = "running";
  r.started_at = now();
  r.message = script.start_message;
  announce();
  co_await step();
  const bool busy = kind == JobKind::kTitleDbUpdate && state_.jobs().active(r.type, r.id);
  if (busy || state_.jobs_fail()) {
    r.status = "failed";
    r.completed_at = now();
    r.error = std::string(busy ? kTitleDbBusy : kSimulatedFailure);
    announce();
    co_return;
  }
  JobOutcome outcome;
  state_.edit_library([&](LibraryEdits& edits, const Library& library) {
    outcome = apply_job(kind, edits, library);
    // A re-identification regenerates the same library: nothing to rebuild.
    return kind == JobKind::kTitleDbUpdate ||
           (kind != JobKind::kReidentifyAll && !outcome.names.empty());
  });
  for (const JobProgress& p : job_progress(kind, outcome)) {
    r.percent = p.percent;
    if (!p.message.empty()) r.message = p.message;
    announce();
    co_await step();
  }
  // MetadataFetchLog is marked completed only when titles were fetched.
  if (kind == JobKind::kMetadataFetchAll && !outcome.names.empty()) {
    state_.metadata_fetch_completed(now());
  }
  r.status = "completed";
  r.completed_at = now();
  r.result_json = job_result(kind, outcome);
  announce();
}

net::awaitable<void> StubEvents::background_changes() {
  net::steady_timer timer(strand_);
  for (;;) {
    timer.expires_after(state_.options().library_change_every);
    auto [ec] = co_await timer.async_wait(kNoThrow);
    if (ec) co_return;
    const std::uint64_t generation = state_.bump_generation();
    if (state_.options().on_library_changed) state_.options().on_library_changed(generation);
    library_changed();
  }
}

}  // namespace foilcache::stub
