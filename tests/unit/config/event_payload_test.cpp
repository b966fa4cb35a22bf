// payload_text / json_payload_field: what `when:` conditions read from a JSON payload (the
// webhook's body, a Socket.IO emit's data).
#include "proxy/config/event_payload.hpp"

#include <gtest/gtest.h>

namespace foilcache::config {
namespace {

struct TextCase {
  const char* name;
  const char* json;  // {"v": <this>}
  std::optional<std::string> text;
};

class EventPayloadText : public ::testing::TestWithParam<TextCase> {};

TEST_P(EventPayloadText, ReadsAsConditionsCompare) {
  const auto& c = GetParam();
  rapidjson::Document d;
  const std::string json = std::string("{\"v\":") + c.json + "}";
  ASSERT_FALSE(d.Parse(json.c_str()).HasParseError()) << json;
  EXPECT_EQ(payload_text(d["v"]), c.text);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EventPayloadText,
    ::testing::Values(TextCase{"String", "\"completed\"", "completed"}, TextCase{"EmptyString", "\"\"", ""},
                      TextCase{"Integer", "42", "42"}, TextCase{"Negative", "-7", "-7"},
                      TextCase{"Unsigned", "18446744073709551615", "18446744073709551615"},
                      TextCase{"IntegralDouble", "100.0", "100"}, TextCase{"Fraction", "1.5", "1.5"},
                      TextCase{"SmallFraction", "0.1", "0.1"}, TextCase{"HugeDouble", "1e300", "1e+300"},
                      TextCase{"True", "true", "true"}, TextCase{"False", "false", "false"},
                      TextCase{"Null", "null", std::nullopt}, TextCase{"Array", "[1]", std::nullopt},
                      TextCase{"Object", "{\"a\":1}", std::nullopt}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(EventPayloadField, ReadsTopLevelMembersOfAnObjectOnly) {
  rapidjson::Document d;
  d.Parse(R"({"status":"completed","progress":{"percent":100},"n":3})");
  const auto field = json_payload_field(&d);
  EXPECT_EQ(field("status"), "completed");
  EXPECT_EQ(field("n"), "3");
  EXPECT_EQ(field("progress"), std::nullopt) << "not a scalar";
  EXPECT_EQ(field("percent"), std::nullopt) << "nested members are not fields";
  EXPECT_EQ(field("missing"), std::nullopt);

  rapidjson::Document list;
  list.Parse(R"(["status"])");
  EXPECT_EQ(json_payload_field(&list)("status"), std::nullopt);
  EXPECT_EQ(json_payload_field(nullptr)("status"), std::nullopt);
}

}  // namespace
}  // namespace foilcache::config
