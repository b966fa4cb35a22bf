// parse_webhook_event on bodies an updater sends: the event and its payload fields, the two
// refusals, and nesting no depth of which exhausts the stack.
#include "proxy/admin/webhook_event.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <string>

namespace foilcache::admin {
namespace {

TEST(WebhookEventParse, EventAndTopLevelFields) {
  const WebhookEvent parsed =
      parse_webhook_event(R"({"event": "job_update", "status": "completed", "progress": 100.0, "n": {"status": 1}})");
  ASSERT_EQ(parsed.error, nullptr);
  EXPECT_EQ(parsed.event, "job_update");
  const auto field = parsed.payload_field();
  EXPECT_EQ(field("status"), "completed");
  EXPECT_EQ(field("progress"), "100");
  EXPECT_EQ(field("n"), std::nullopt);
  EXPECT_EQ(field("missing"), std::nullopt);
}

TEST(WebhookEventParse, RefusesWhatIsNotAnEventObject) {
  EXPECT_STREQ(parse_webhook_event("").error, "body is not a JSON object");
  EXPECT_STREQ(parse_webhook_event(R"([{"event": "x"}])").error, "body is not a JSON object");
  EXPECT_STREQ(parse_webhook_event(R"({"event": "x"} trailing)").error, "body is not a JSON object");
  EXPECT_STREQ(parse_webhook_event(R"({"event": ""})").error, "body has no \"event\" string");
  EXPECT_STREQ(parse_webhook_event(R"({"event": 7})").error, "body has no \"event\" string");
}

// `body` through the parser on a thread with a 1 MiB stack: what a sanitized build, a
// smaller `ulimit -s` or musl's 128 KiB default leave of the usual 8 MiB.
const char* parse_on_small_stack(const std::string& body) {
  struct Job {
    const std::string* body;
    const char* error;
  } job{&body, "not run"};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 1024 * 1024);
  pthread_t thread;
  const auto run = [](void* arg) -> void* {
    auto* j = static_cast<Job*>(arg);
    j->error = parse_webhook_event(*j->body).error;
    return nullptr;
  };
  const int started = pthread_create(&thread, &attr, run, &job);
  pthread_attr_destroy(&attr);
  if (started != 0) return "no thread";
  pthread_join(thread, nullptr);
  return job.error;
}

// Seen with the webhook fuzz target: the parser recursed once per nesting level, so a body
// within the handler's 64 KiB limit of nothing but '[' took 4 to 8 MiB of stack (under
// ASan), and overflowed any smaller one.
TEST(WebhookEventParse, AnyNestingDepthWithinTheBodyLimit) {
  EXPECT_STREQ(parse_on_small_stack(std::string(64 * 1024, '[')), "body is not a JSON object");
  std::string deep = R"({"event": "library_updated", "x": )";
  deep.append(30000, '[');
  deep.append(30000, ']');
  deep += "}";
  EXPECT_EQ(parse_on_small_stack(deep), nullptr);
}

}  // namespace
}  // namespace foilcache::admin
