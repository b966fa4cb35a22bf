// parse_socketio_message on the channel's real traffic: python-socketio's emits in each wire
// format it has used (5.15.1+ list-wrapped data, 5.14-5.15.0 raw data), its other methods,
// the canned pickles of < 5.14 (CVE-2025-61765), and garbage of every shape.
#include "proxy/feeds/socketio_message.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

#include "upstream_stub/socketio_pickles.hpp"

namespace foilcache::feeds {
namespace {

enum class Kind { kEmit, kIgnored, kPickle, kMalformed };

Kind kind_of(const SocketIoMessage& m) {
  if (std::holds_alternative<Emit>(m)) return Kind::kEmit;
  if (std::holds_alternative<Ignored>(m)) return Kind::kIgnored;
  if (std::holds_alternative<Pickle>(m)) return Kind::kPickle;
  return Kind::kMalformed;
}

template <std::size_t N>
std::string bytes(const unsigned char (&data)[N]) {
  return std::string(reinterpret_cast<const char*>(data), N);
}

// The wire samples (json.dumps of the dicts pubsub_manager.py builds; LIBRARY-SERVICE.md).
constexpr const char* kLibraryUpdated515 =
    R"({"method": "emit", "event": "library_updated", "data": [{"timestamp": "2026-08-13T10:00:00.123456+00:00"}], "binary": false, "namespace": "/", "room": null, "skip_sid": null, "callback": null, "host_id": "0123456789abcdef0123456789abcdef"})";
constexpr const char* kLibraryUpdated5150 =
    R"({"method": "emit", "event": "library_updated", "data": {"timestamp": "2026-08-13T10:00:00.123456+00:00"}, "binary": false, "namespace": "/", "room": null, "skip_sid": null, "callback": null, "host_id": "0123456789abcdef0123456789abcdef"})";
constexpr const char* kLibraryUpdated514 =
    R"({"method": "emit", "event": "library_updated", "data": {"timestamp": "2026-08-13T10:00:00.123456+00:00"}, "namespace": "/", "room": null, "skip_sid": null, "callback": null, "host_id": "0123456789abcdef0123456789abcdef"})";
constexpr const char* kJobUpdate515 =
    R"({"method": "emit", "event": "job_update", "data": [{"id": "titledb_update_1a2b3c4d", "type": "titledb_update", "status": "completed", "progress": {"percent": 100.0, "message": "Finalizing..."}, "result": {"success": true}, "metadata": {"force": true}, "error": null, "started_at": "2026-08-13T10:00:00.123456", "completed_at": "2026-08-13T10:00:03.654321"}], "binary": false, "namespace": "/", "room": null, "skip_sid": null, "callback": null, "host_id": "0123456789abcdef0123456789abcdef"})";
constexpr const char* kEnterRoom =
    R"({"method": "enter_room", "sid": "k3Jd8sLq0PzX4vNw2RtY", "room": "library", "namespace": "/", "host_id": "0123456789abcdef0123456789abcdef"})";
constexpr const char* kCallback =
    R"({"method": "callback", "host_id": "9d8e7f6a5b4c4d3e8f2a1b0c9d8e7f6a", "sid": "k3Jd8sLq0PzX4vNw2RtY", "namespace": "/", "id": 1, "args": ["ok"]})";

using Fields = std::map<std::string, std::optional<std::string>>;

struct Case {
  const char* name;
  std::string bytes;
  Kind kind;
  std::string event;  // kEmit
  Fields fields;      // kEmit: what payload_field answers
};

class SocketIoMessageParse : public ::testing::TestWithParam<Case> {};

TEST_P(SocketIoMessageParse, Classifies) {
  const auto& c = GetParam();
  const SocketIoMessage m = parse_socketio_message(c.bytes);
  ASSERT_EQ(kind_of(m), c.kind);
  if (c.kind != Kind::kEmit) return;
  const Emit& emit = std::get<Emit>(m);
  EXPECT_EQ(emit.event(), c.event);
  const auto field = emit.payload_field();
  for (const auto& [name, value] : c.fields) EXPECT_EQ(field(name), value) << name;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

const std::string kTimestamp = "2026-08-13T10:00:00.123456+00:00";

INSTANTIATE_TEST_SUITE_P(
    WireSamples, SocketIoMessageParse,
    ::testing::Values(
        Case{"ListWrapped5151", kLibraryUpdated515, Kind::kEmit, "library_updated", {{"timestamp", kTimestamp}}},
        Case{"Raw5150", kLibraryUpdated5150, Kind::kEmit, "library_updated", {{"timestamp", kTimestamp}}},
        Case{"Raw514NoBinaryKey", kLibraryUpdated514, Kind::kEmit, "library_updated", {{"timestamp", kTimestamp}}},
        Case{"JobUpdateFields",
             kJobUpdate515,
             Kind::kEmit,
             "job_update",
             {{"status", "completed"}, {"type", "titledb_update"}, {"progress", std::nullopt}, {"error", std::nullopt},
              {"percent", std::nullopt}}},
        Case{"EnterRoom", kEnterRoom, Kind::kIgnored, "", {}},
        Case{"Callback", kCallback, Kind::kIgnored, "", {}},
        Case{"PickleEmit", bytes(stub::pickles::kPickleLibraryUpdated), Kind::kPickle, "", {}},
        Case{"PickleJobUpdate", bytes(stub::pickles::kPickleJobUpdate), Kind::kPickle, "", {}},
        Case{"PickleNoise", bytes(stub::pickles::kPickleEnterRoom), Kind::kPickle, "", {}}),
    [](const auto& info) { return std::string(info.param.name); });

// One field of a good 5.15.1 emit changed per case.
INSTANTIATE_TEST_SUITE_P(
    OneFieldChanged, SocketIoMessageParse,
    ::testing::Values(
        Case{"NoNamespaceIsDefault", replaced(kLibraryUpdated515, R"( "namespace": "/",)", ""), Kind::kEmit,
             "library_updated", {{"timestamp", kTimestamp}}},
        Case{"NullNamespaceIsDefault", replaced(kLibraryUpdated515, R"("namespace": "/")", R"("namespace": null)"),
             Kind::kEmit, "library_updated", {}},
        Case{"OtherNamespace", replaced(kLibraryUpdated515, R"("namespace": "/")", R"("namespace": "/admin")"),
             Kind::kIgnored, "", {}},
        Case{"NamespaceNotString", replaced(kLibraryUpdated515, R"("namespace": "/")", R"("namespace": 1)"),
             Kind::kMalformed, "", {}},
        Case{"BinaryTrueHidesPayload", replaced(kLibraryUpdated515, R"("binary": false)", R"("binary": true)"),
             Kind::kEmit, "library_updated", {{"timestamp", std::nullopt}}},
        Case{"BinaryNotBool", replaced(kLibraryUpdated515, R"("binary": false)", R"("binary": "no")"),
             Kind::kMalformed, "", {}},
        Case{"EmptyDataList", replaced(kLibraryUpdated515, R"([{"timestamp": "2026-08-13T10:00:00.123456+00:00"}])", "[]"),
             Kind::kEmit, "library_updated", {{"timestamp", std::nullopt}}},
        Case{"DataNotObject", replaced(kLibraryUpdated515, R"([{"timestamp": "2026-08-13T10:00:00.123456+00:00"}])",
                                       R"("2026")"),
             Kind::kEmit, "library_updated", {{"timestamp", std::nullopt}}},
        Case{"DataListOfScalars", replaced(kLibraryUpdated515, R"([{"timestamp": "2026-08-13T10:00:00.123456+00:00"}])",
                                           "[1, 2]"),
             Kind::kEmit, "library_updated", {{"timestamp", std::nullopt}}},
        Case{"DataNull", replaced(kLibraryUpdated515, R"([{"timestamp": "2026-08-13T10:00:00.123456+00:00"}])", "null"),
             Kind::kEmit, "library_updated", {{"timestamp", std::nullopt}}},
        Case{"SecondArgumentNotRead",
             replaced(kLibraryUpdated515, R"(+00:00"}])", R"(+00:00"}, {"status": "completed"}])"), Kind::kEmit,
             "library_updated", {{"timestamp", kTimestamp}, {"status", std::nullopt}}},
        Case{"NoData", replaced(kLibraryUpdated515, R"("data": [{"timestamp": "2026-08-13T10:00:00.123456+00:00"}], )", ""),
             Kind::kMalformed, "", {}},
        Case{"NoEvent", replaced(kLibraryUpdated515, R"("event": "library_updated", )", ""), Kind::kMalformed, "", {}},
        Case{"EmptyEvent", replaced(kLibraryUpdated515, R"("library_updated")", R"("")"), Kind::kMalformed, "", {}},
        Case{"EventNotString", replaced(kLibraryUpdated515, R"("library_updated")", "7"), Kind::kMalformed, "", {}},
        Case{"NoMethod", replaced(kLibraryUpdated515, R"("method": "emit", )", ""), Kind::kMalformed, "", {}},
        Case{"MethodNotString", replaced(kLibraryUpdated515, R"("emit")", "[]"), Kind::kMalformed, "", {}},
        Case{"NaNPayloadValue", replaced(kJobUpdate515, "100.0", "NaN"), Kind::kEmit, "job_update",
             {{"status", "completed"}}}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Garbage, SocketIoMessageParse,
    ::testing::Values(Case{"Empty", "", Kind::kMalformed, "", {}}, Case{"NotJson", "hello", Kind::kMalformed, "", {}},
                      Case{"Truncated", std::string(kLibraryUpdated515).substr(0, 60), Kind::kMalformed, "", {}},
                      Case{"TrailingBytes", std::string(kLibraryUpdated515) + "x", Kind::kMalformed, "", {}},
                      Case{"JsonArray", R"(["emit"])", Kind::kMalformed, "", {}},
                      Case{"JsonString", R"("emit")", Kind::kMalformed, "", {}},
                      Case{"JsonNumber", "5", Kind::kMalformed, "", {}},
                      Case{"BinaryNoise", std::string("\x00\xff\xfe{", 4), Kind::kMalformed, "", {}},
                      Case{"LonePickleByte", std::string("\x80", 1), Kind::kPickle, "", {}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(SocketIoMessageLimits, DeepNestingIsParsedWithoutRecursion) {
  // A million nested arrays in the payload: a recursive parser would exhaust the stack.
  const std::size_t depth = 1'000'000;
  const std::string deep = std::string(depth, '[') + std::string(depth, ']');
  const std::string message = replaced(kLibraryUpdated515, R"([{"timestamp": "2026-08-13T10:00:00.123456+00:00"}])", deep);
  const auto m = parse_socketio_message(message);
  ASSERT_EQ(kind_of(m), Kind::kEmit);
  EXPECT_EQ(std::get<Emit>(m).payload_field()("timestamp"), std::nullopt);
  EXPECT_EQ(kind_of(parse_socketio_message(std::string(depth, '['))), Kind::kMalformed);
}

TEST(SocketIoMessageLimits, OversizedMessageIsMalformedUnread) {
  std::string message = replaced(kLibraryUpdated515, "2026-08-13", std::string(kMaxMessageBytes, 'x'));
  const auto m = parse_socketio_message(message);
  ASSERT_EQ(kind_of(m), Kind::kMalformed);
  EXPECT_STREQ(std::get<Malformed>(m).why, "a message over 16 MiB");
  // Just under the bound is read.
  message = replaced(kLibraryUpdated515, "2026-08-13", std::string(kMaxMessageBytes - 300, 'x'));
  EXPECT_EQ(kind_of(parse_socketio_message(message)), Kind::kEmit);
}

TEST(SocketIoMessageLimits, IgnoredQuotesAtMostABoundedName) {
  const std::string message = replaced(kEnterRoom, "enter_room", std::string(10'000, 'r'));
  const auto m = parse_socketio_message(message);
  ASSERT_EQ(kind_of(m), Kind::kIgnored);
  EXPECT_LT(std::get<Ignored>(m).why.size(), 100u);
}

TEST(SocketIoMessageField, OutlivesTheParseCall) {
  // The Emit owns its document: the accessor keeps working after the input is gone.
  std::string input = kJobUpdate515;
  SocketIoMessage m = parse_socketio_message(input);
  input.assign(input.size(), ' ');
  const Emit emit = std::move(std::get<Emit>(m));
  EXPECT_EQ(emit.payload_field()("status"), "completed");
  EXPECT_EQ(emit.event(), "job_update");
}

}  // namespace
}  // namespace foilcache::feeds
