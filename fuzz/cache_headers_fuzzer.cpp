// The cache's readers of header fields from the client and the app: Cache-Control
// (parse_cache_control), Vary and Content-Type (response_storability against the shipped
// routes), Accept-Encoding (accepts_gzip), If-None-Match (none_match), HTTP dates and
// If-Modified-Since (parse_http_date, not_modified). Input, one field a line: Cache-Control,
// Vary, Content-Type, Accept-Encoding, If-None-Match, the entry's ETag, If-Modified-Since.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "fuzz/fuzz_input.hpp"
#include "fuzz/shipped_config.hpp"
#include "proxy/cache/cache_control.hpp"
#include "proxy/cache/conditional.hpp"
#include "proxy/cache/policy.hpp"

using namespace foilcache;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& config = fuzz::shipped_config();
  fuzz::Fields in(data, size);
  const auto cache_control = in.next();
  const auto vary = in.next();
  const auto content_type = in.next();
  const auto accept_encoding = in.next();
  const auto if_none_match = in.next();
  const auto etag = in.next();
  const auto if_modified_since = in.next();

  cache::CacheControl parsed;
  cache::parse_cache_control(cache_control, parsed);
  http::response_header<> response;
  response.result(http::status::ok);
  response.set(http::field::cache_control, cache_control);
  response.set(http::field::vary, vary);
  response.set(http::field::content_type, content_type);
  for (const auto& route : config.routes) {
    (void)cache::response_storability(response, route, 0, 1 << 20);
  }
  (void)cache::compressible_type(content_type);
  (void)cache::accepts_gzip(accept_encoding);
  (void)cache::none_match(if_none_match, etag);
  (void)cache::parse_http_date(if_modified_since);

  http::request_header<> request;
  request.method(http::verb::get);
  request.set(http::field::if_none_match, if_none_match);
  request.set(http::field::if_modified_since, if_modified_since);
  request.set(http::field::cache_control, cache_control);
  cache::Entry entry;
  entry.status = 200;
  entry.headers.emplace_back("ETag", std::string(etag));
  entry.headers.emplace_back("Last-Modified", std::string(if_modified_since));
  (void)cache::not_modified(request, entry, false);
  if (!config.routes.empty()) {
    (void)cache::request_cacheability(request, config.routes.front(), config.identity);
  }
  return 0;
}
