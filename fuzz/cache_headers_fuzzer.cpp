// The cache's readers of header fields from the client and the app: Cache-Control
// (parse_cache_control), Vary and Content-Type (response_storability against the shipped
// routes), Accept-Encoding (accepts_gzip), If-None-Match (none_match), HTTP dates and
// If-Modified-Since (parse_http_date, not_modified); on a `ttl: origin` route: freshness
// from Age, Date, Expires and CDN-Cache-Control (plan_storage, origin_freshness, parse_age,
// request_reuse), the stored answer's stale windows, Vary variants (selecting_fields,
// variant_id) and Range / If-Range against a stored answer (parse_range, range_for).
// Input, one field a line: Cache-Control, Vary, Content-Type, Accept-Encoding,
// If-None-Match, the entry's ETag, If-Modified-Since, Range, If-Range, Age, Date, Expires,
// CDN-Cache-Control, Accept-Language.
#include <cstddef>
#include <cstdint>
#include <chrono>
#include <initializer_list>
#include <memory>
#include <utility>

#include "fuzz/fuzz_input.hpp"
#include "fuzz/shipped_config.hpp"
#include "proxy/cache/cache_control.hpp"
#include "proxy/cache/conditional.hpp"
#include "proxy/cache/origin_freshness.hpp"
#include "proxy/cache/policy.hpp"
#include "proxy/cache/ranges.hpp"
#include "proxy/cache/storage_plan.hpp"
#include "proxy/cache/vary.hpp"

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
  const auto range = in.next();
  const auto if_range = in.next();
  const auto age = in.next();
  const auto date = in.next();
  const auto expires = in.next();
  const auto cdn_cache_control = in.next();
  const auto accept_language = in.next();

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

  // The origin mode, on a copy of the first shipped route.
  if (config.routes.empty()) return 0;
  config::Route origin = config.routes.front();
  origin.origin_ttl = true;
  origin.ttl_cap = std::chrono::hours(24);
  response.set(http::field::age, age);
  response.set(http::field::date, date);
  response.set(http::field::expires, expires);
  response.set("CDN-Cache-Control", cdn_cache_control);
  response.set(http::field::etag, etag);
  response.set(http::field::last_modified, if_modified_since);
  request.set(http::field::range, range);
  request.set(http::field::if_range, if_range);
  request.set(http::field::accept_language, accept_language);
  const auto now = std::chrono::system_clock::time_point{} + std::chrono::seconds(784111777);
  const auto storage = cache::plan_storage(origin, request, response, 1000, 1 << 20, now, now);
  (void)cache::parse_age(age);
  (void)cache::parse_range(range, 1000);
  if (const auto fields = cache::selecting_fields(response, origin); fields && !fields->empty()) {
    (void)cache::variant_id(*fields, request);
  }
  for (const auto& [name, value] : std::initializer_list<std::pair<const char*, std::string_view>>{
           {"Cache-Control", cache_control}, {"CDN-Cache-Control", cdn_cache_control}, {"Vary", vary},
           {"Date", date}, {"Expires", expires}}) {
    entry.headers.emplace_back(name, std::string(value));
  }
  entry.body.assign(1000, 'x');
  entry.identity_size = 1000;
  entry.ttl_s = storage.ttl_s;
  entry.stored_at_ms = 784111777000 - storage.age_ms;
  const auto f = cache::freshness(entry, now);
  (void)cache::within_stale_while_revalidate(f, entry, origin);
  (void)cache::within_stale_if_error(f, entry, origin);
  (void)cache::request_reuse(request, f.age_s(), f.left_ms(), cache::forbids_stale(cache::stored_cache_control(entry, origin)));
  (void)cache::stored_variant(entry, origin, request);
  const auto answer = cache::range_for(request, entry, entry.identity_size);
  (void)cache::content_range(answer, entry.identity_size);
  return 0;
}
