// Redis Cluster's routing rules as pure functions: hash slots, routing keys, redirections,
// the slot table and the split of cross-slot commands.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "proxy/redis/cluster_slots.hpp"
#include "proxy/redis/redis_error.hpp"

namespace foilcache::redis {
namespace {

using Kind = Redirect::Kind;
using Argv = std::vector<std::string_view>;

Reply integer(std::int64_t value) {
  Reply reply = Reply::make(ReplyType::kInteger);
  reply.integer = value;
  return reply;
}

Reply array(std::vector<Reply> elements) {
  Reply reply = Reply::make(ReplyType::kArray);
  reply.elements = std::move(elements);
  return reply;
}

Reply text(std::string_view value) { return Reply::make(ReplyType::kString, value); }

// One CLUSTER SLOTS range: [first, last, [host, port, id], [replica...]].
Reply range(std::int64_t first, std::int64_t last, std::string_view host, std::int64_t port) {
  std::vector<Reply> master;
  master.push_back(text(host));
  master.push_back(integer(port));
  master.push_back(text("0123456789abcdef"));
  std::vector<Reply> replica;
  replica.push_back(text("10.9.9.9"));
  replica.push_back(integer(9999));
  std::vector<Reply> out;
  out.push_back(integer(first));
  out.push_back(integer(last));
  out.push_back(array(std::move(master)));
  out.push_back(array(std::move(replica)));
  return array(std::move(out));
}

Reply three_masters() {
  std::vector<Reply> ranges;
  ranges.push_back(range(0, 5460, "10.0.0.1", 7000));
  ranges.push_back(range(5461, 10922, "10.0.0.2", 7001));
  ranges.push_back(range(10923, 16383, "", 7002));  // an empty host: the node asked
  return array(std::move(ranges));
}

TEST(ClusterSlots, KeySlotIsTheSpecificationsCrc16) {
  EXPECT_EQ(key_slot("123456789"), 0x31C3 % kSlotCount);  // the specification's check value
  EXPECT_EQ(key_slot("somekey"), 11058);
  EXPECT_EQ(key_slot("foo"), 12182);
  EXPECT_EQ(key_slot(""), 0);
}

TEST(ClusterSlots, HashTagsFollowTheSpecification) {
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("user1000"));
  EXPECT_EQ(key_slot("{user1000}.followers"), key_slot("user1000"));
  EXPECT_EQ(key_slot("foo{}{bar}"), key_slot("foo{}{bar}")) << "an empty tag: the whole key";
  EXPECT_NE(key_slot("foo{}{bar}"), key_slot("bar"));
  EXPECT_EQ(key_slot("foo{{bar}}zap"), key_slot("{bar"));
  EXPECT_EQ(key_slot("foo{bar}{zap}"), key_slot("bar"));
  EXPECT_EQ(key_slot("no-close{tag"), key_slot("no-close{tag")) << "no '}': the whole key";
  EXPECT_NE(key_slot("no-close{tag"), key_slot("tag"));
}

TEST(ClusterSlots, RoutingKeyOfEachCommandFoilcacheSends) {
  EXPECT_EQ(routing_key(Argv{"GET", "k"}), "k");
  EXPECT_EQ(routing_key(Argv{"set", "k", "v", "PX", "10"}), "k");
  EXPECT_EQ(routing_key(Argv{"HINCRBY", "fc:@stats", "hits", "1"}), "fc:@stats");
  EXPECT_EQ(routing_key(Argv{"EVAL", "return 1", "1", "lock", "token"}), "lock");
  EXPECT_EQ(routing_key(Argv{"EVAL", "return 1", "0"}), std::nullopt);
  EXPECT_EQ(routing_key(Argv{"EVAL", "return 1", "x", "k"}), std::nullopt) << "a malformed key count";
  EXPECT_EQ(routing_key(Argv{"PUBLISH", "fc:@invalidate", "m"}), std::nullopt) << "any node: PUBLISH reaches all";
  EXPECT_EQ(routing_key(Argv{"SCAN", "0"}), std::nullopt);
  EXPECT_EQ(routing_key(Argv{"cluster", "slots"}), std::nullopt);
  EXPECT_EQ(routing_key(Argv{"PING"}), std::nullopt);
}

TEST(ClusterSlots, RedirectsAreParsed) {
  Redirect moved = parse_redirect("MOVED 3999 127.0.0.1:6381", "10.0.0.1");
  EXPECT_EQ(moved.kind, Kind::kMoved);
  EXPECT_EQ(moved.slot, 3999);
  EXPECT_EQ(moved.target.name(), "127.0.0.1:6381");
  Redirect ask = parse_redirect("ASK 12 :7003", "10.0.0.4");
  EXPECT_EQ(ask.kind, Kind::kAsk);
  EXPECT_EQ(ask.target.name(), "10.0.0.4:7003") << "an empty host is the node that answered";
  EXPECT_EQ(parse_redirect("MOVED 5 ::1:7000", "x").target.host, "::1");
  EXPECT_EQ(parse_redirect("TRYAGAIN Multiple keys request during rehashing of slot", "x").kind, Kind::kTryAgain);
  EXPECT_EQ(parse_redirect("CLUSTERDOWN The cluster is down", "x").kind, Kind::kClusterDown);
}

TEST(ClusterSlots, MalformedRedirectsAreOrdinaryErrors) {
  for (const std::string_view error :
       {"ERR unknown command", "MOVED", "MOVED 3999", "MOVED x 1.2.3.4:1", "MOVED 16384 1.2.3.4:1",
        "MOVED 1 1.2.3.4", "MOVED 1 1.2.3.4:0", "MOVED 1 1.2.3.4:65536", "ASK -1 h:1", "MOVEDX 1 h:1", ""}) {
    EXPECT_EQ(parse_redirect(error, "x").kind, Kind::kNone) << error;
  }
}

TEST(ClusterSlots, TableFromClusterSlots) {
  const auto table = SlotTable::from_cluster_slots(three_masters(), "10.0.0.3");
  ASSERT_TRUE(table);
  EXPECT_TRUE(table->complete());
  EXPECT_EQ(table->master(0)->name(), "10.0.0.1:7000");
  EXPECT_EQ(table->master(5460)->name(), "10.0.0.1:7000");
  EXPECT_EQ(table->master(5461)->name(), "10.0.0.2:7001");
  EXPECT_EQ(table->master(16383)->name(), "10.0.0.3:7002");
  EXPECT_EQ(table->masters().size(), 3u) << "replicas are not masters";
}

TEST(ClusterSlots, MovedReassignsOneSlot) {
  auto table = SlotTable::from_cluster_slots(three_masters(), "10.0.0.3");
  ASSERT_TRUE(table);
  const auto before = *table;
  table->assign(100, Endpoint{"10.0.0.9", 7009});
  EXPECT_EQ(table->master(100)->name(), "10.0.0.9:7009");
  EXPECT_EQ(table->master(101)->name(), "10.0.0.1:7000");
  EXPECT_EQ(table->masters().size(), 4u);
  EXPECT_FALSE(*table == before);
}

TEST(ClusterSlots, PartialCoverageIsKnown) {
  std::vector<Reply> ranges;
  ranges.push_back(range(0, 100, "h", 1));
  const auto table = SlotTable::from_cluster_slots(array(std::move(ranges)), "h");
  ASSERT_TRUE(table);
  EXPECT_FALSE(table->complete());
  EXPECT_EQ(table->master(101), nullptr);
}

TEST(ClusterSlots, MalformedSlotRepliesAreRejected) {
  EXPECT_FALSE(SlotTable::from_cluster_slots(Reply::make(ReplyType::kError, "ERR This instance has cluster support disabled"), "h"));
  EXPECT_FALSE(SlotTable::from_cluster_slots(array({}), "h")) << "no slot covered";
  std::vector<Reply> backwards;
  backwards.push_back(range(10, 5, "h", 1));
  EXPECT_FALSE(SlotTable::from_cluster_slots(array(std::move(backwards)), "h"));
  std::vector<Reply> too_far;
  too_far.push_back(range(0, 16384, "h", 1));
  EXPECT_FALSE(SlotTable::from_cluster_slots(array(std::move(too_far)), "h"));
  std::vector<Reply> bad_port;
  bad_port.push_back(range(0, 1, "h", 70000));
  EXPECT_FALSE(SlotTable::from_cluster_slots(array(std::move(bad_port)), "h"));
  std::vector<Reply> short_range;
  short_range.push_back(array({}));
  EXPECT_FALSE(SlotTable::from_cluster_slots(array(std::move(short_range)), "h"));
}

TEST(ClusterSlots, CrossSlotDeletesAreSplitAndSummed) {
  ASSERT_NE(key_slot("a"), key_slot("b"));
  std::vector<std::vector<std::string>> commands{
      {"GET", "x"}, {"UNLINK", "a", "b", "c"}, {"UNLINK", "{t}1", "{t}2"}, {"DEL", "only"}};
  const SplitPipeline split = split_cross_slot(commands);
  ASSERT_EQ(split.commands.size(), 6u) << "the cross-slot UNLINK becomes three; the one-slot ones stay";
  EXPECT_EQ(split.origin, (std::vector<std::size_t>{0, 1, 1, 1, 2, 3}));
  EXPECT_EQ(split.commands[2], (std::vector<std::string>{"UNLINK", "b"}));
  std::vector<Result> answers(6);
  answers[0].reply = text("value");
  for (std::size_t i = 1; i < 6; ++i) answers[i].reply = integer(1);
  answers[4].reply.integer = 2;
  const auto folded = fold_answers(split, std::move(answers), commands.size());
  ASSERT_EQ(folded.size(), 4u);
  EXPECT_EQ(folded[0].reply.str(), "value");
  EXPECT_EQ(folded[1].reply.integer, 3);
  EXPECT_EQ(folded[2].reply.integer, 2);
  EXPECT_EQ(folded[3].reply.integer, 1);
}

TEST(ClusterSlots, AFailedPartFailsTheWholeCommand) {
  const SplitPipeline split = split_cross_slot({{"UNLINK", "a", "b"}});
  std::vector<Result> answers(2);
  answers[0].reply = integer(1);
  answers[1].ec = make_error_code(Errc::timeout);
  const auto folded = fold_answers(split, std::move(answers), 1);
  EXPECT_EQ(folded[0].ec, make_error_code(Errc::timeout));
}

}  // namespace
}  // namespace foilcache::redis
