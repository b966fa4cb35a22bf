// build_entry: what an entry keeps of an upstream answer, its ETag, compression and stamp.
#include "proxy/cache/entry_builder.hpp"

#include <gtest/gtest.h>

#include "tests/support/manual_clock.hpp"

namespace foilcache::cache {
namespace {

using namespace std::chrono_literals;

config::Route route() {
  config::Route r;
  r.name = "library_paged";
  r.ttl = 300s;
  r.tags = {"library", "system"};
  return r;
}

http::response_header<> response(const char* content_type = "application/json") {
  http::response_header<> h;
  h.result(http::status::ok);
  h.set(http::field::content_type, content_type);
  h.set(http::field::connection, "keep-alive");
  h.set(http::field::content_length, "5");
  h.set(http::field::cache_control, "public, max-age=300");
  h.set(http::field::age, "3");
  h.set("X-Cache", "HIT");
  h.set("Cache-Status", "app; hit");
  h.set("X-Total-Count", "7");
  return h;
}

TEST(EntryBuilder, StampsRouteTtlTagsAndTime) {
  const testing::ManualClock clock;
  const auto r = route();
  const std::vector<std::uint64_t> generations{4, 9};
  const auto e = build_entry(r, r.tags, generations, response(), "hello", clock.system_now());
  EXPECT_EQ(e->status, 200u);
  EXPECT_EQ(e->stored_at_ms, 1'790'000'000'000);
  EXPECT_EQ(e->ttl_s, 300u);
  EXPECT_EQ(e->route, "library_paged");
  EXPECT_EQ(e->tags, (std::vector<std::pair<std::string, std::uint64_t>>{{"library", 4}, {"system", 9}}));
  EXPECT_EQ(e->body, "hello");
  EXPECT_FALSE(e->compressed());
}

TEST(EntryBuilder, KeepsEndToEndHeadersOnly) {
  const auto r = route();
  const auto e = build_entry(r, r.tags, std::vector<std::uint64_t>{0, 0}, response(), "hello",
                             std::chrono::system_clock::now());
  std::vector<std::string> names;
  for (const auto& [name, value] : e->headers) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"Content-Type", "X-Total-Count", "ETag"}));
  EXPECT_EQ(e->head.substr(0, 17), "HTTP/1.1 200 OK\r\n");
}

TEST(EntryBuilder, GeneratedEtagIsADigestOfTheBody) {
  EXPECT_EQ(body_etag("hello"), "\"2cf24dba5fb0a30e26e83b2ac5b9e29e\"");  // sha256("hello")[0:16]
  const auto r = route();
  const auto e = build_entry(r, r.tags, {}, response(), "hello", std::chrono::system_clock::now());
  EXPECT_EQ(e->etag(false), body_etag("hello"));
  EXPECT_TRUE(e->tags.empty());  // no generations: no tags recorded
  auto with_etag = response();
  with_etag.set(http::field::etag, "W/\"app\"");
  EXPECT_EQ(build_entry(r, r.tags, {}, with_etag, "hello", {})->etag(false), "W/\"app\"");
}

TEST(EntryBuilder, CompressesLargeTextBodiesOnce) {
  const auto r = route();
  const std::string large(kMinCompressBytes, 'a');
  const auto e = build_entry(r, r.tags, {}, response(), large, {});
  EXPECT_TRUE(e->compressed());
  EXPECT_EQ(e->identity_size, large.size());
  EXPECT_EQ(e->header("Vary"), "Accept-Encoding");
  EXPECT_NE(e->gzip_head.find("Content-Encoding: gzip\r\n"), std::string::npos);

  EXPECT_FALSE(build_entry(r, r.tags, {}, response(), std::string(kMinCompressBytes - 1, 'a'), {})->compressed());
  EXPECT_FALSE(build_entry(r, r.tags, {}, response("image/png"), large, {})->compressed());
  auto no_compress = r;
  no_compress.compress = false;
  EXPECT_FALSE(build_entry(no_compress, r.tags, {}, response(), large, {})->compressed());
}

TEST(EntryBuilder, A304UpdatesTheStoredFieldsAndFreshens) {
  Entry stale;
  stale.status = 200;
  stale.body = "hello";
  stale.identity_size = 5;
  stale.headers = {{"Content-Type", "text/plain"}, {"Cache-Control", "max-age=1"}, {"X-Old", "a"}, {"X-Old", "b"}};
  stale.tags = {{"library", 3}};
  http::response_header<> not_modified;
  not_modified.result(304);
  not_modified.set(http::field::cache_control, "max-age=60");
  not_modified.insert("X-Old", "c");
  not_modified.set(http::field::content_length, "0");  // framing: never taken
  const auto updated = updated_header(stale, not_modified);
  EXPECT_EQ(updated.result_int(), 200u);
  EXPECT_EQ(updated[http::field::cache_control], "max-age=60");
  EXPECT_EQ(updated.count("X-Old"), 1u) << "every stored field of a name the 304 sends is replaced";
  EXPECT_EQ(updated["X-Old"], "c");
  EXPECT_EQ(updated.count(http::field::content_length), 0u);
  StoragePlan storage;
  storage.ttl_s = 60;
  storage.age_ms = 2000;
  const std::vector<std::uint64_t> generations{4};
  const auto now = std::chrono::system_clock::time_point{} + std::chrono::seconds(1000);
  const auto fresh = freshened_entry(stale, updated, storage, generations, now);
  EXPECT_EQ(fresh->body, "hello");
  EXPECT_EQ(fresh->ttl_s, 60u);
  EXPECT_EQ(fresh->stored_at_ms, 998'000);
  EXPECT_EQ(fresh->tags.front().second, 4u);
  EXPECT_NE(fresh->head.find("Cache-Control: max-age=60"), std::string::npos) << fresh->head;
}

}  // namespace
}  // namespace foilcache::cache
