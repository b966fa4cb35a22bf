// What Sentinels say, parsed: get-master-addr-by-name answers and +switch-master messages.
#include <gtest/gtest.h>

#include "proxy/redis/sentinel_messages.hpp"

namespace foilcache::redis {
namespace {

Reply pair_of(std::string_view host, std::string_view port) {
  Reply reply = Reply::make(ReplyType::kArray);
  reply.elements.push_back(Reply::make(ReplyType::kString, host));
  reply.elements.push_back(Reply::make(ReplyType::kString, port));
  return reply;
}

TEST(SentinelMessages, MasterAddress) {
  const auto master = parse_master_address(pair_of("10.0.0.7", "6380"));
  ASSERT_TRUE(master);
  EXPECT_EQ(master->name(), "10.0.0.7:6380");
}

TEST(SentinelMessages, UnknownOrMalformedMasterAddress) {
  EXPECT_FALSE(parse_master_address(Reply::make(ReplyType::kNil))) << "the Sentinel does not know the name";
  EXPECT_FALSE(parse_master_address(Reply::make(ReplyType::kError, "ERR")));
  EXPECT_FALSE(parse_master_address(pair_of("", "6380")));
  EXPECT_FALSE(parse_master_address(pair_of("h", "0")));
  EXPECT_FALSE(parse_master_address(pair_of("h", "65536")));
  EXPECT_FALSE(parse_master_address(pair_of("h", "63x")));
  Reply three = pair_of("h", "1");
  three.elements.push_back(Reply::make(ReplyType::kString, "extra"));
  EXPECT_FALSE(parse_master_address(three));
}

TEST(SentinelMessages, SwitchMasterOfOurMaster) {
  const auto master = parse_switch_master("mymaster 127.0.0.1 6379 127.0.0.1 6380", "mymaster");
  ASSERT_TRUE(master);
  EXPECT_EQ(master->name(), "127.0.0.1:6380");
}

TEST(SentinelMessages, SwitchMasterOfAnotherOrMalformed) {
  EXPECT_FALSE(parse_switch_master("other 127.0.0.1 6379 127.0.0.1 6380", "mymaster"));
  EXPECT_FALSE(parse_switch_master("mymaster 127.0.0.1 6379 127.0.0.1", "mymaster"));
  EXPECT_FALSE(parse_switch_master("mymaster 127.0.0.1 6379 127.0.0.1 port", "mymaster"));
  EXPECT_FALSE(parse_switch_master("mymaster 127.0.0.1 6379 127.0.0.1 6380 extra", "mymaster"));
  EXPECT_FALSE(parse_switch_master("", "mymaster"));
}

}  // namespace
}  // namespace foilcache::redis
