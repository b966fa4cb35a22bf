// The reply reader as every connection sets it up: what Redis may send is parsed as hiredis
// parses it, but an array's announced size is bounded before anything is allocated for it.
#include "proxy/redis/reply_reader.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <memory>
#include <string>

#include "proxy/redis/reply.hpp"

namespace foilcache::redis {
namespace {

struct ReaderFree {
  void operator()(redisReader* reader) const { redisReaderFree(reader); }
};
using ReaderPtr = std::unique_ptr<redisReader, ReaderFree>;

ReaderPtr configured_reader() {
  ReaderPtr reader(redisReaderCreate());
  configure_reader(reader.get());
  return reader;
}

// REDIS_OK with the reply (kNil when incomplete), or REDIS_ERR.
int read_one(redisReader* reader, const std::string& bytes, Reply& out) {
  redisReaderFeed(reader, bytes.data(), bytes.size());
  void* reply = nullptr;
  const int status = redisReaderGetReply(reader, &reply);
  if (reply != nullptr) {
    out = Reply::adopt(static_cast<redisReply*>(reply));
    freeReplyObject(reply);
  }
  return status;
}

TEST(ReplyReaderArrays, NestedRepliesParseAsHiredisParsesThem) {
  const auto reader = configured_reader();
  Reply reply;
  ASSERT_EQ(read_one(reader.get(), "*3\r\n$7\r\nmessage\r\n*1\r\n:7\r\n$-1\r\n", reply), REDIS_OK);
  ASSERT_EQ(reply.type, ReplyType::kArray);
  ASSERT_EQ(reply.elements.size(), 3u);
  EXPECT_EQ(reply.elements[0].str(), "message");
  EXPECT_EQ(reply.elements[1].elements.at(0).integer, 7);
  EXPECT_TRUE(reply.elements[2].is_nil());
  EXPECT_EQ(reader->maxbuf, 0u);  // the buffer is kept between replies
}

TEST(ReplyReaderArrays, AtTheBoundIsRead) {
  const auto reader = configured_reader();
  Reply reply;
  EXPECT_EQ(read_one(reader.get(), "*" + std::to_string(kMaxReplyElements) + "\r\n", reply), REDIS_OK);
  EXPECT_EQ(reader->err, 0);  // waits for the elements
}

// Found by fuzzing: hiredis allocated 8 bytes per announced element up front, so these 13
// bytes cost 2.3 GB before any element arrived (2^31 elements: 16 GB).
TEST(ReplyReaderArrays, ForgedCountFailsTheReaderUnallocated) {
  const auto reader = configured_reader();
  Reply reply;
  EXPECT_EQ(read_one(reader.get(), "*292237808\r\n", reply), REDIS_ERR);
  EXPECT_EQ(reader->err, REDIS_ERR_OOM);
  const auto nested = configured_reader();
  EXPECT_EQ(read_one(nested.get(), "*2\r\n:1\r\n*2147483647\r\n", reply), REDIS_ERR);
}

}  // namespace
}  // namespace foilcache::redis
