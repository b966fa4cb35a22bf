// The admin API's JSON, byte for byte as the contract shows it.
#include "proxy/admin/admin_json.hpp"

#include <gtest/gtest.h>

namespace foilcache::admin {
namespace {

TEST(AdminJsonResponse, EndsWithNewlineAndIsNoStore) {
  const auto res = json_response(11, http::status::ok, "{\"reset\":true}");
  EXPECT_EQ(res.body(), "{\"reset\":true}\n");
  EXPECT_EQ(res[http::field::cache_control], "no-store");
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(res[http::field::content_length], "15");
  EXPECT_EQ(json_error(10, http::status::not_found, "no \"such\" entry").body(),
            "{\"error\":\"no \\\"such\\\" entry\"}\n");
}

TEST(AdminJsonTags, WithAndWithoutEvent) {
  const std::string event = "library_updated";
  EXPECT_EQ(tags_json(&event, {"library", "system"}),
            R"({"event":"library_updated","invalidated_tags":["library","system"]})");
  EXPECT_EQ(tags_json(nullptr, {}), R"({"invalidated_tags":[]})");
  EXPECT_EQ(count_json("deleted", 3), R"({"deleted":3})");
}

TEST(AdminJsonInfo, NullKeysWhenTheStoreCouldNotCount) {
  const metrics::Stats::Values stats{{"hits", 2}, {"misses", 1}};
  EXPECT_EQ(info_json("enabled", {store::StoreStatus::kOk, 7}, stats, true, "redis://***@h:6379/0"),
            R"({"status":"enabled","keys":7,"stats":{"hits":2,"misses":1},"scope":"cluster",)"
            R"("redis_url":"redis://***@h:6379/0"})");
  EXPECT_EQ(info_json("degraded", {store::StoreStatus::kUnavailable, 0}, stats, false, ""),
            R"({"status":"degraded","keys":null,"stats":{"hits":2,"misses":1},"scope":"process","redis_url":null})");
}

TEST(AdminJsonKey, MetadataOfAnEntry) {
  cache::Entry e;
  e.route = "system_info";
  e.status = 200;
  e.identity_size = 120;
  const cache::Freshness f{12'500, 60'000};
  EXPECT_EQ(key_json("system_info", e, f, {"system"}),
            R"({"key":"system_info","route":"system_info","status":200,"size":120,"stored_size":120,)"
            R"("encoding":"identity","age":12,"ttl":48,"tags":["system"]})");
  const cache::Freshness stale{75'000, 60'000};
  EXPECT_NE(key_json("k", e, stale, {}).find(R"("ttl":0)"), std::string::npos);  // never negative
}

}  // namespace
}  // namespace foilcache::admin
