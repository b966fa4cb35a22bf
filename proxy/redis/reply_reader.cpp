#include "proxy/redis/reply_reader.hpp"

#include <hiredis/read.h>

namespace foilcache::redis {
namespace {

// hiredis' own functions, the same table for every reader (its static defaultFunctions).
redisReplyObjectFunctions* hiredis_functions = nullptr;

void* create_bounded_array(const redisReadTask* task, int elements) {
  if (elements > kMaxReplyElements) return nullptr;  // hiredis: out of memory, the reader fails
  return hiredis_functions->createArray(task, elements);
}

redisReplyObjectFunctions* bounded_functions(redisReplyObjectFunctions* defaults) {
  // Built once, by the first reader (thread-safe); every later reader has the same defaults.
  static redisReplyObjectFunctions table = [defaults] {
    hiredis_functions = defaults;
    redisReplyObjectFunctions bounded = *defaults;
    bounded.createArray = &create_bounded_array;
    return bounded;
  }();
  return &table;
}

}  // namespace

void configure_reader(redisReader* reader) {
  // Keep the buffer between replies: by default hiredis frees it whenever it is empty and
  // over 16 KiB, which reallocates it for every cached page.
  reader->maxbuf = 0;
  reader->fn = bounded_functions(reader->fn);
}

}  // namespace foilcache::redis
