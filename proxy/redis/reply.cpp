#include "proxy/redis/reply.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

#include <hiredis/hiredis.h>

namespace foilcache::redis {

void Reply::BufferDeleter::operator()(char* buffer) const noexcept {
  // hiredis 0.14 allocates reply strings with malloc (1.x: hi_malloc, malloc by default).
  std::free(buffer);
}

Reply Reply::adopt(redisReply* reply) {
  Reply out;
  switch (reply->type) {
    case REDIS_REPLY_STRING: out.type = ReplyType::kString; break;
    case REDIS_REPLY_STATUS: out.type = ReplyType::kStatus; break;
    case REDIS_REPLY_ERROR: out.type = ReplyType::kError; break;
    case REDIS_REPLY_INTEGER:
      out.type = ReplyType::kInteger;
      out.integer = reply->integer;
      return out;
    case REDIS_REPLY_ARRAY:
      out.type = ReplyType::kArray;
      out.elements.reserve(reply->elements);
      for (std::size_t i = 0; i < reply->elements; ++i) out.elements.push_back(adopt(reply->element[i]));
      return out;
    default:
      return out;  // nil
  }
  out.data_.reset(reply->str);
  out.size_ = reply->len;
  reply->str = nullptr;
  reply->len = 0;
  return out;
}

Reply Reply::make(ReplyType type, std::string_view text) {
  Reply out;
  out.type = type;
  if (!text.empty()) {
    auto* buffer = static_cast<char*>(std::malloc(text.size()));
    if (buffer == nullptr) throw std::bad_alloc();
    std::memcpy(buffer, text.data(), text.size());
    out.data_.reset(buffer);
    out.size_ = text.size();
  }
  return out;
}

}  // namespace foilcache::redis
