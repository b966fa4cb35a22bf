// The access log: one JSON object per request, one per line, on stdout (log.access).
//
//   {"time":"2024-05-01T12:00:00.123Z","method":"GET","path":"/api/library/paged?page=2",
//    "status":200,"cache":"HIT","route":"library_paged","upstream_ms":0.000,"bytes":5120,
//    "duration_ms":0.412}
//
// `cache` is the X-Cache value sent ("" on unrouted and own paths); `route` is "" when no
// route matched. No header value is ever logged (credentials travel in Authorization and
// Cookie); the query string of /api/cache/* admin calls is dropped.
//
// Lines are written by hand (not RapidJSON): the fields are few and fixed, and a line costs
// no allocation once the buffer has grown.
//
// Each io thread owns one AccessLog: lines are appended to a buffer and written with one
// write(2) per batch (when the buffer passes kFlushBytes, kFlushInterval after the first
// buffered line, and on destruction), so lines never interleave and the io thread rarely
// makes a system call.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/net.hpp"

namespace foilcache::log {

// One request, as logged. The views need only outlive AccessLog::write.
struct AccessRecord {
  std::string_view method;        // "" when the request line could not be parsed
  std::string_view target;        // request target as received (see loggable_target)
  unsigned status = 0;            // status sent (0: none)
  std::string_view cache;         // X-Cache value sent
  std::string_view route;         // matched route name
  std::chrono::nanoseconds upstream{0};  // waiting for the app (0: no upstream call)
  std::uint64_t bytes = 0;        // body bytes sent
  std::chrono::nanoseconds duration{0};  // header read to response written
};

// `target` as it may be logged: admin calls (/api/cache, /api/cache/...) without their
// query string; other targets unchanged.
std::string_view loggable_target(std::string_view target);

// Appends `record` as one JSON line (with '\n') to `out`, stamped `now` (RFC 3339 UTC, ms).
void append_access_line(std::string& out, const AccessRecord& record, std::chrono::system_clock::time_point now);

class AccessLog {
 public:
  static constexpr std::size_t kFlushBytes = 16 * 1024;
  static constexpr std::chrono::milliseconds kFlushInterval{100};

  // Writes to `fd` (not owned). Its timer runs on `ioc`; use from that io_context's thread.
  explicit AccessLog(net::io_context& ioc, int fd);
  // Flushes what is buffered.
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void write(const AccessRecord& record);
  // Writes the buffer now (one write(2), retried on EINTR/partial writes).
  void flush();

  // The formatted "YYYY-MM-DDTHH:MM:SS" of the last second seen.
  struct TimeCache {
    std::int64_t second = -1;
    char text[32] = {};
    std::size_t length = 0;
    // Appends `now` as RFC 3339 UTC with milliseconds.
    void append(std::string& out, std::chrono::system_clock::time_point now);
  };
  static void append_line(std::string& out, const AccessRecord& record, std::chrono::system_clock::time_point now,
                          TimeCache& time);

 private:
  TimeCache time_;
  net::steady_timer timer_;
  int fd_;
  std::string buffer_;
  bool timer_armed_ = false;
};

}  // namespace foilcache::log
