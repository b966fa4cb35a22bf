// Redis replies as the redis/ module reads them: hiredis' reply reader (redisReader, which
// redisAsyncContext feeds with what the socket gives), set up by redis::configure_reader as
// HiredisLink::open does, each complete reply taken over by Reply::adopt, then read by every
// parser of server replies: the cluster's slot table (CLUSTER SLOTS) and redirections
// (MOVED/ASK), a Sentinel's master address and +switch-master message. Input: one byte
// choosing the size of the pieces the reader is fed (0: all at once), then the bytes the
// server sent.
#include <hiredis/hiredis.h>
#include <hiredis/read.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proxy/redis/cluster_slots.hpp"
#include "proxy/redis/reply.hpp"
#include "proxy/redis/reply_reader.hpp"
#include "proxy/redis/sentinel_messages.hpp"

using namespace foilcache;

namespace {

// Walks a reply as the store and the feed do: every string viewed, every element visited.
std::size_t visit(const redis::Reply& reply) {
  std::size_t bytes = reply.str().size();
  for (const auto& element : reply.elements) bytes += visit(element);
  return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = data[0] == 0 ? size : data[0];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  redisReader* reader = redisReaderCreate();
  if (reader == nullptr) return 0;
  redis::configure_reader(reader);  // as HiredisLink::open does
  bool failed = false;
  for (std::size_t at = 0; at < bytes.size() && !failed; at += piece) {
    const auto chunk = bytes.substr(at, piece);
    if (redisReaderFeed(reader, chunk.data(), chunk.size()) != REDIS_OK) break;
    for (;;) {
      void* reply = nullptr;
      if (redisReaderGetReply(reader, &reply) != REDIS_OK) {
        failed = true;  // a protocol error: the async context disconnects
        break;
      }
      if (reply == nullptr) break;  // needs more bytes
      auto* raw = static_cast<redisReply*>(reply);
      const redis::Reply owned = redis::Reply::adopt(raw);
      freeReplyObject(raw);
      (void)visit(owned);
      (void)redis::SlotTable::from_cluster_slots(owned, "127.0.0.1");
      (void)redis::parse_master_address(owned);
      (void)redis::parse_redirect(owned.str(), "127.0.0.1");
      (void)redis::parse_switch_master(owned.str(), "mymaster");
      for (const auto& element : owned.elements) (void)redis::parse_switch_master(element.str(), "mymaster");
    }
  }
  redisReaderFree(reader);
  return 0;
}
