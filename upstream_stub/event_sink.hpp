// Where the request handlers announce changes: the app's Socket.IO message queue. The
// handlers only call this interface; stub_events.hpp implements it with timers and the
// Redis publisher. Without --socketio-redis nothing is published, but jobs still run.
#pragma once

#include <cstdint>
#include <string>

#include "upstream_stub/jobs.hpp"

namespace foilcache::stub {

// The publisher's counters (GET /__stub/socketio).
struct SocketIoStats {
  bool enabled = false;        // a Redis URL is configured
  std::uint64_t published = 0;  // PUBLISH commands Redis answered with a subscriber count
  std::uint64_t failed = 0;     // messages given up after the retry (python-socketio: 2 tries)
  std::uint64_t pending = 0;    // queued or in flight (debounced ones not yet queued excluded)
};

// Every member is thread-safe and returns at once; the work happens on the server's io
// threads.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // A library refresh ended (scan, background change): library_updated follows once the
  // debounce has passed without another change (post_library_change's @debounce).
  virtual void library_changed() = 0;
  // Starts a background job: a job_update per transition; on completion the library changes
  // (jobs.hpp apply_job) before the "completed" update. `metadata_json`: the job's metadata
  // in json.dumps form.
  virtual void start_job(JobKind kind, std::string metadata_json) = 0;
  // Queues one message of each NoiseKind; returns how many were queued (0 when disabled).
  virtual std::uint64_t publish_noise() = 0;
  virtual SocketIoStats stats() const = 0;
};

// The sink of a StubState without an I/O layer (pure handler tests): does nothing.
class NullEventSink final : public EventSink {
 public:
  void library_changed() override {}
  void start_job(JobKind, std::string) override {}
  std::uint64_t publish_noise() override { return 0; }
  SocketIoStats stats() const override { return {}; }
};

}  // namespace foilcache::stub
