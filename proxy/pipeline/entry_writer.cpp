#include "proxy/pipeline/entry_writer.hpp"

#include <array>

#include "proxy/cache/conditional.hpp"
#include "proxy/cache/freshness.hpp"
#include "proxy/cache/ranges.hpp"
#include "proxy/metrics/metrics.hpp"
#include "proxy/pipeline/upstream_errors.hpp"

namespace foilcache::pipeline {
namespace {

// The proxy's own fields and the framing, after the stored header block.
std::string own_fields(const Request& req, const char* x_cache,
                       std::string_view cache_status, std::int64_t age_s, bool unchanged, std::uint64_t length,
                       bool keep_alive) {
  const bool from_cache = std::string_view(x_cache) == "HIT" || std::string_view(x_cache) == "STALE";
  std::string own;
  own.reserve(160);
  own.append("X-Cache: ").append(x_cache).append("\r\nCache-Status: ").append(cache_status);
  if (!req.route->origin_ttl) {  // an origin route's entry carries the origin's own
    own.append("\r\nCache-Control: ");
    cache::append_cache_control(own, *req.route);
  }
  if (from_cache) own.append("\r\nAge: ").append(std::to_string(age_s));
  if (!unchanged) own.append("\r\nContent-Length: ").append(std::to_string(length));
  own.append("\r\n");
  // HTTP/1.1 keeps the connection by default; an HTTP/1.0 client must be told.
  if (!keep_alive) {
    own.append("Connection: close\r\n");
  } else if (req.version < 11) {
    own.append("Connection: keep-alive\r\n");
  }
  own.append("\r\n");
  return own;
}

// A 206's (the stored fields after a new status line, then Content-Range) or a 416's head.
std::string range_head(const cache::Entry& entry, const cache::RangeAnswer& range) {
  const std::string content_range = cache::content_range(range, entry.identity_size);
  if (range.kind == cache::RangeAnswer::Kind::kUnsatisfiable) {
    return "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: " + content_range + "\r\n";
  }
  const auto fields = entry.head.find("\r\n");
  return "HTTP/1.1 206 Partial Content\r\n" + entry.head.substr(fields == std::string::npos ? 0 : fields + 2) +
         "Content-Range: " + content_range + "\r\n";
}

}  // namespace

net::awaitable<http_server::Outcome> EntryWriter::write(Request& req, const cache::EntryPtr& entry,
                                                        const char* x_cache, std::string_view cache_status) {
  const bool keep_alive = req.keep_alive();
  const bool from_cache = std::string_view(x_cache) == "HIT" || std::string_view(x_cache) == "STALE";
  // The gzip variant only to a client that asked for it; the others get the identity body.
  bool gzip = entry->compressed() && req.accepts_gzip;
  const bool unchanged = from_cache && cache::not_modified(req.header(), *entry, gzip);
  // A Range of a stored 200 is cut from the identity body (RFC 9110 §14), on a miss too:
  // the whole answer was fetched and stored.
  const cache::RangeAnswer range = !unchanged ? cache::range_for(req.header(), *entry, entry->identity_size)
                                              : cache::RangeAnswer{};
  const bool partial = range.kind == cache::RangeAnswer::Kind::kPartial;
  const bool unsatisfiable = range.kind == cache::RangeAnswer::Kind::kUnsatisfiable;
  if (partial || unsatisfiable) gzip = false;
  const unsigned status = unchanged ? 304 : partial ? 206 : unsatisfiable ? 416 : entry->status;
  const bool body = !unchanged && !unsatisfiable && !req.head;
  const std::string* content = gzip ? &entry->gzip : body ? entry->identity() : &entry->body;
  if (content == nullptr) {
    // The stored gzip did not inflate (a damaged store value): nothing to serve.
    if (metrics_) metrics_->count_error(metrics::ErrorKind::kStoreUnavailable);
    co_return co_await respond_error(req, http::status::bad_gateway, "stored entry unreadable", x_cache, false);
  }
  const std::uint64_t content_length = partial         ? range.length()
                                       : unsatisfiable ? 0
                                       : gzip          ? entry->gzip.size()
                                                       : entry->identity_size;
  // The stored status line and headers were serialized once (finish_entry); a 304 picks
  // the headers it repeats, a 206 or 416 replaces the status line and adds Content-Range.
  std::string head;
  if (unchanged) head = cache::not_modified_head(*entry, gzip);
  if (partial || unsatisfiable) head = range_head(*entry, range);
  const std::string_view stored_head = !head.empty() ? std::string_view(head)
                                       : gzip        ? std::string_view(entry->gzip_head)
                                                     : std::string_view(entry->head);
  const std::int64_t age_s = from_cache ? cache::freshness(*entry, clock_.system_now()).age_s() : 0;
  const std::string own =
      own_fields(req, x_cache, cache_status, age_s, unchanged, content_length, keep_alive);
  const std::uint64_t offset = partial ? range.first : 0;
  const std::uint64_t sent = body ? content_length : 0;
  const std::array<net::const_buffer, 3> buffers{net::buffer(stored_head.data(), stored_head.size()),
                                                 net::buffer(own), net::buffer(content->data() + offset, sent)};
  req.ex.client.expires_after(req.config.timeouts.write);
  auto [ec, n] = co_await net::async_write(req.ex.client, buffers, kNoThrow);
  co_return http_server::Outcome{keep_alive && !ec, status, x_cache, sent, {}, {}};
}

}  // namespace foilcache::pipeline
