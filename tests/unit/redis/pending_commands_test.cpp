// PendingCommands: the intrusive FIFO of in-flight commands, stepped without a client.
#include <chrono>
#include <vector>

#include <gtest/gtest.h>

#include "proxy/redis/pending_commands.hpp"

namespace foilcache::redis {
namespace {

using namespace std::chrono_literals;
using TimePoint = std::chrono::steady_clock::time_point;

const TimePoint kT0 = TimePoint{} + 1h;

struct Command : PendingHook<Command> {
  Command(int command_id, TimePoint deadline) : PendingHook(deadline), id(command_id) {}
  int id;
};

// The ids from front to back, walking the links both ways (they must agree).
std::vector<int> ids(const PendingCommands<Command>& list) {
  std::vector<int> forward;
  const Command* last = nullptr;
  for (const Command* c = list.front(); c != nullptr; c = c->next) {
    EXPECT_EQ(c->prev, last);
    forward.push_back(c->id);
    last = c;
  }
  EXPECT_EQ(forward.size(), list.size());
  return forward;
}

class PendingCommandsTest : public ::testing::Test {
 protected:
  PendingCommandsTest() {
    for (int i = 0; i < 4; ++i) commands_.emplace_back(i, kT0 + i * 10ms);
    for (auto& c : commands_) list_.push_back(&c);
  }
  std::vector<Command> commands_;
  PendingCommands<Command> list_;
};

TEST(PendingCommandsEmpty, HasNoFrontAndNothingExpires) {
  PendingCommands<Command> list;
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.size(), 0u);
  EXPECT_EQ(list.front(), nullptr);
  EXPECT_EQ(list.pop_expired(TimePoint::max()), nullptr);
}

TEST_F(PendingCommandsTest, KeepsSendingOrder) {
  EXPECT_EQ(ids(list_), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(list_.front(), &commands_[0]);
  for (const auto& c : commands_) EXPECT_TRUE(c.linked);
}

TEST_F(PendingCommandsTest, RemovesFromAnyPosition) {
  list_.remove(&commands_[1]);  // middle
  EXPECT_EQ(ids(list_), (std::vector<int>{0, 2, 3}));
  list_.remove(&commands_[0]);  // head
  EXPECT_EQ(ids(list_), (std::vector<int>{2, 3}));
  list_.remove(&commands_[3]);  // tail
  EXPECT_EQ(ids(list_), (std::vector<int>{2}));
  list_.remove(&commands_[2]);  // the last one
  EXPECT_TRUE(list_.empty());
  EXPECT_EQ(list_.front(), nullptr);
  for (const auto& c : commands_) {
    EXPECT_FALSE(c.linked);
    EXPECT_EQ(c.prev, nullptr);
    EXPECT_EQ(c.next, nullptr);
  }
}

TEST_F(PendingCommandsTest, RemovingAnUnlinkedCommandDoesNothing) {
  list_.remove(&commands_[2]);
  list_.remove(&commands_[2]);  // its reply came after its timeout
  EXPECT_EQ(ids(list_), (std::vector<int>{0, 1, 3}));
}

TEST_F(PendingCommandsTest, AppendsAfterRemovals) {
  list_.remove(&commands_[3]);
  list_.remove(&commands_[0]);
  Command late(9, kT0 + 1s);
  list_.push_back(&late);
  EXPECT_EQ(ids(list_), (std::vector<int>{1, 2, 9}));
  list_.remove(&late);
}

TEST_F(PendingCommandsTest, ExpiresOldestFirstUpToNowInclusive) {
  EXPECT_EQ(list_.pop_expired(kT0 - 1ms), nullptr);  // nothing is due yet
  std::vector<int> expired;
  while (Command* c = list_.pop_expired(kT0 + 20ms)) expired.push_back(c->id);
  EXPECT_EQ(expired, (std::vector<int>{0, 1, 2}));  // a deadline equal to now has passed
  EXPECT_EQ(ids(list_), (std::vector<int>{3}));
  EXPECT_FALSE(commands_[0].linked);
}

}  // namespace
}  // namespace foilcache::redis
