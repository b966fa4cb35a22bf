// RFC 9111 §4.1 on `ttl: origin` routes: which Vary fields select a stored variant, how
// their values are normalized, and the variant index kept under the URL's key.
#include <gtest/gtest.h>

#include "proxy/cache/entry_codec.hpp"
#include "proxy/cache/storage_plan.hpp"
#include "proxy/cache/vary.hpp"

namespace foilcache::cache {
namespace {

using namespace std::chrono_literals;

const auto kNow = std::chrono::system_clock::time_point{} + 784111777s;

config::Route route_keyed(std::string_view key, bool shared = true) {
  config::Route route;
  route.name = "static";
  route.origin_ttl = true;
  route.shared = shared;
  route.ttl_cap = 1h;
  route.key = config::KeyTemplate::parse(key, route.path);
  return route;
}

http::response_header<> varying(std::initializer_list<std::string_view> vary_lines) {
  http::response_header<> response;
  response.result(200);
  for (const auto line : vary_lines) response.insert(http::field::vary, line);
  return response;
}

http::request_header<> request_with(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  http::request_header<> request;
  request.method(http::verb::get);
  for (const auto& [name, value] : fields) request.insert(name, value);
  return request;
}

using Fields = std::vector<std::string>;

TEST(VarySelectingFields, NamesTheFieldsTheKeyDoesNotCover) {
  const auto route = route_keyed("s:{path}:{header.X-Region}");
  EXPECT_EQ(selecting_fields(varying({}), route), Fields{});
  EXPECT_EQ(selecting_fields(varying({"Accept-Encoding"}), route), Fields{}) << "the proxy serves codings itself";
  EXPECT_EQ(selecting_fields(varying({"x-region"}), route), Fields{}) << "the key renders it";
  EXPECT_EQ(selecting_fields(varying({"Accept-Language, Accept", "accept-language"}), route),
            (Fields{"accept", "accept-language"}))
      << "lower case, sorted, once, across field lines";
  EXPECT_EQ(selecting_fields(varying({" , Origin,"}), route), Fields{"origin"}) << "empty members ignored";
}

TEST(VarySelectingFields, WhatCannotSelectAVariant) {
  const auto shared = route_keyed("s:{path}");
  EXPECT_EQ(selecting_fields(varying({"*"}), shared), std::nullopt) << "§4.1: Vary: * never matches";
  EXPECT_EQ(selecting_fields(varying({"Accept-Language", "*"}), shared), std::nullopt);
  EXPECT_EQ(selecting_fields(varying({"Cookie"}), shared), std::nullopt) << "a credential on a shared route";
  EXPECT_EQ(selecting_fields(varying({"Authorization"}), shared), std::nullopt);
  EXPECT_EQ(selecting_fields(varying({"A, B, C, D"}), shared), (Fields{"a", "b", "c", "d"}));
  EXPECT_EQ(selecting_fields(varying({"A, B, C, D, E"}), shared), std::nullopt) << "over kMaxVaryFields";
  const auto per_user = route_keyed("s:{path}:{user}", false);
  EXPECT_EQ(selecting_fields(varying({"Cookie, Authorization"}), per_user), Fields{}) << "{user} covers them";
}

TEST(VarySelectingFields, FixedRoutesStillRefuseWhatTheKeyDoesNotCover) {
  auto route = route_keyed("s:{path}");
  route.origin_ttl = false;
  route.statuses = {200};
  EXPECT_EQ(response_storability(varying({"Accept-Language"}), route, 10, 100), ResponseStorability::kVary);
  route.origin_ttl = true;
  EXPECT_EQ(response_storability(varying({"Accept-Language"}), route, 10, 100), ResponseStorability::kStorable);
  EXPECT_EQ(response_storability(varying({"*"}), route, 10, 100), ResponseStorability::kVary);
}

TEST(VarySelectingValues, NormalizesAsTheFieldAllows) {
  const Fields language{"accept-language"};
  const auto a = variant_id(language, request_with({{"Accept-Language", "en-US,en;q=0.8"}}));
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(variant_id(language, request_with({{"accept-language", " EN-us , en; q=0.8 "}})), a)
      << "tokens: case and whitespace dropped";
  EXPECT_EQ(variant_id(language, request_with({{"Accept-Language", "en-US"}, {"Accept-Language", "en;q=0.8"}})), a)
      << "field lines combined";
  EXPECT_NE(variant_id(language, request_with({{"Accept-Language", "en;q=0.8,en-US"}})), a) << "order kept";
  EXPECT_NE(variant_id(language, request_with({})), variant_id(language, request_with({{"Accept-Language", ""}})))
      << "absent is not empty";
  const Fields origin{"origin"};
  EXPECT_NE(variant_id(origin, request_with({{"Origin", "https://A.example"}})),
            variant_id(origin, request_with({{"Origin", "https://a.example"}})))
      << "other fields keep their case";
  EXPECT_EQ(variant_id(origin, request_with({{"Origin", " https://a.example "}})),
            variant_id(origin, request_with({{"Origin", "https://a.example"}})))
      << "but not the whitespace around a value";
  EXPECT_NE(variant_id(Fields{"a"}, request_with({{"A", "x"}})), variant_id(Fields{"b"}, request_with({{"B", "x"}})))
      << "the field names count";
}

TEST(VarySelectingValues, AFieldsValueCannotForgeAnother) {
  const Fields two{"a", "b"};
  EXPECT_NE(variant_id(two, request_with({{"A", "x\nb\n=y"}})), variant_id(two, request_with({{"A", "x"}, {"B", "y"}})));
}

TEST(VaryVariantIndex, ListsAtMostMaxVariantsOldestOut) {
  VariantIndex index{{"accept-language"}, "n0nce", {}};
  for (int i = 0; i < static_cast<int>(kMaxVariants) + 2; ++i) EXPECT_TRUE(index.add("id" + std::to_string(i)));
  EXPECT_FALSE(index.add("id9")) << "already listed";
  ASSERT_EQ(index.ids.size(), kMaxVariants);
  EXPECT_EQ(index.ids.front(), "id2");
  EXPECT_FALSE(index.lists("id0"));
  EXPECT_TRUE(index.lists("id9"));
}

TEST(VaryVariantIndex, SurvivesTheStoreAndIsNeverAnAnswer) {
  const VariantIndex index{{"accept", "accept-language"}, "abcd1234", {"0123", "4567"}};
  const std::vector<std::string> tags{"library"};
  const std::vector<std::uint64_t> generations{7};
  const auto entry = make_variant_index(index, "static", tags, generations, kNow, 90s);
  EXPECT_TRUE(is_variant_index(*entry));
  EXPECT_EQ(entry->ttl_s, 90u) << "fresh as long as it is kept, so the L1 keeps it as long";
  const auto decoded = decode_entry(encode_entry(*entry));
  ASSERT_NE(decoded, nullptr);
  const auto read = read_variant_index(*decoded);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->fields, index.fields);
  EXPECT_EQ(read->nonce, index.nonce);
  EXPECT_EQ(read->ids, index.ids);
  EXPECT_EQ(decoded->tags, (std::vector<std::pair<std::string, std::uint64_t>>{{"library", 7}}));
  Entry answer;
  answer.status = 200;
  EXPECT_FALSE(is_variant_index(answer));
  EXPECT_EQ(read_variant_index(answer), std::nullopt);
  Entry damaged = *entry;
  damaged.headers.pop_back();
  damaged.headers.pop_back();
  EXPECT_EQ(read_variant_index(damaged), std::nullopt) << "no list: not an index";
}

TEST(VaryVariantKey, NamesTheUrlTheNonceAndTheVariant) {
  EXPECT_EQ(variant_key("respond:a=1", "n0nce", "0123"), "respond:a=1#vary:n0nce:0123");
  EXPECT_NE(variant_key("k", "nonce1", "id"), variant_key("k", "nonce2", "id")) << "a new index, new keys";
}

TEST(VaryStoragePlan, RecordsTheVariantTheRequestSelects) {
  const auto route = route_keyed("s:{path}");
  auto response = varying({"Accept-Language"});
  response.set(http::field::cache_control, "max-age=60");
  const auto request = request_with({{"Accept-Language", "de"}});
  const auto plan = plan_storage(route, request, response, 10, 1000, kNow, kNow);
  ASSERT_TRUE(plan.storable());
  EXPECT_EQ(plan.vary_fields, Fields{"accept-language"});
  EXPECT_EQ(plan.variant, variant_id(plan.vary_fields, request));
  response.erase(http::field::vary);
  EXPECT_TRUE(plan_storage(route, request, response, 10, 1000, kNow, kNow).variant.empty());
}

}  // namespace
}  // namespace foilcache::cache
