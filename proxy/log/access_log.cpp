#include "proxy/log/access_log.hpp"
#include "common/hex.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <ctime>

namespace foilcache::log {
namespace {

bool is_admin_path(std::string_view path) { return path == "/api/cache" || path.starts_with("/api/cache/"); }

// Appends `text` as a JSON string. Bytes outside printable ASCII are percent-encoded (a
// valid target has none), so the line stays valid UTF-8 whatever the client sent and needs
// no \u escapes; quote and backslash are escaped.
void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) {
      common::append_pct_upper(out, byte);
    } else {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
  }
  out.push_back('"');
}

template <typename Number>
void append_number(std::string& out, Number value) {
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  out.append(text, result.ptr);
}

// Milliseconds with microsecond precision ("12.346").
void append_ms(std::string& out, std::chrono::nanoseconds elapsed) {
  char text[32];
  const double ms = std::chrono::duration<double, std::milli>(elapsed).count();
  const auto result = std::to_chars(text, text + sizeof text, ms, std::chars_format::fixed, 3);
  out.append(text, result.ptr);
}

}  // namespace

void AccessLog::TimeCache::append(std::string& out, std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
  const auto seconds = ms / 1000;
  // gmtime_r and strftime once a second, not once a line.
  if (seconds != second) {
    second = seconds;
    const auto t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  }
  out.append(text, length);
  const auto millis = static_cast<int>(ms % 1000);
  const char fraction[] = {'.', static_cast<char>('0' + millis / 100), static_cast<char>('0' + millis / 10 % 10),
                           static_cast<char>('0' + millis % 10), 'Z'};
  out.append(fraction, sizeof fraction);
}

std::string_view loggable_target(std::string_view target) {
  const auto path = target.substr(0, target.find('?'));
  return is_admin_path(path) ? path : target;
}

void AccessLog::append_line(std::string& out, const AccessRecord& record, std::chrono::system_clock::time_point now,
                            TimeCache& time) {
  out.append("{\"time\":\"");
  time.append(out, now);
  out.append("\",\"method\":");
  append_json_string(out, record.method);
  out.append(",\"path\":");
  append_json_string(out, loggable_target(record.target));
  out.append(",\"status\":");
  append_number(out, record.status);
  out.append(",\"cache\":");
  append_json_string(out, record.cache);
  out.append(",\"route\":");
  append_json_string(out, record.route);
  out.append(",\"upstream_ms\":");
  append_ms(out, record.upstream);
  out.append(",\"bytes\":");
  append_number(out, record.bytes);
  out.append(",\"duration_ms\":");
  append_ms(out, record.duration);
  out.append("}\n");
}

void append_access_line(std::string& out, const AccessRecord& record, std::chrono::system_clock::time_point now) {
  AccessLog::TimeCache time;
  AccessLog::append_line(out, record, now, time);
}

AccessLog::AccessLog(net::io_context& ioc, int fd) : timer_(ioc), fd_(fd) { buffer_.reserve(2 * kFlushBytes); }

AccessLog::~AccessLog() { flush(); }

void AccessLog::write(const AccessRecord& record) {
  append_line(buffer_, record, std::chrono::system_clock::now(), time_);
  if (buffer_.size() >= kFlushBytes) {
    flush();
    return;
  }
  if (!timer_armed_) {
    timer_armed_ = true;
    timer_.expires_after(kFlushInterval);
    timer_.async_wait([this](const error_code& ec) {
      // Aborted: the log is being destroyed (it flushes itself) and `this` may be gone.
      if (ec == net::error::operation_aborted) return;
      timer_armed_ = false;
      flush();
    });
  }
}

void AccessLog::flush() {
  std::size_t written = 0;
  while (written < buffer_.size()) {
    const auto n = ::write(fd_, buffer_.data() + written, buffer_.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // stdout closed or full disk: drop the batch rather than block the io thread
    written += static_cast<std::size_t>(n);
  }
  buffer_.clear();
}

}  // namespace foilcache::log
