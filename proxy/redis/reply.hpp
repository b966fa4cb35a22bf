// An owned Redis reply, detached from hiredis (safe to keep after the callback returns).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/error_code.hpp>

struct redisReply;

namespace foilcache::redis {

enum class ReplyType {
  kNil,      // RESP null bulk string / null array (e.g. GET of a missing key)
  kString,   // bulk string: str() holds the bytes (binary safe)
  kStatus,   // simple string such as "OK": str() holds it
  kInteger,  // integer: `integer` holds it
  kArray,    // array: `elements` holds the items
  kError,    // error reply such as "ERR ...": str() holds the message
};

class Reply {
 public:
  ReplyType type = ReplyType::kNil;
  std::int64_t integer = 0;
  std::vector<Reply> elements;

  // Payload of kString / kStatus / kError; empty otherwise. Valid while this Reply lives.
  std::string_view str() const noexcept { return {data_.get(), size_}; }
  bool is_error() const noexcept { return type == ReplyType::kError; }
  bool is_nil() const noexcept { return type == ReplyType::kNil; }

  // Takes over `reply`'s string buffers instead of copying them (hiredis' freeReplyObject
  // frees a NULL str harmlessly), so a large GET payload is never copied here.
  // Precondition: `reply` is non-null and is freed by hiredis afterwards as usual.
  static Reply adopt(redisReply* reply);
  // A reply holding a copy of `text` (for tests and synthetic replies).
  static Reply make(ReplyType type, std::string_view text = {});

 private:
  struct BufferDeleter {
    void operator()(char* buffer) const noexcept;
  };
  std::unique_ptr<char, BufferDeleter> data_;
  std::size_t size_ = 0;
};

// The outcome of one command: `ec` set (Errc, or operation_aborted after stop()) means
// there is no reply; otherwise `reply` holds it (a kError reply is not an `ec`).
struct Result {
  boost::system::error_code ec;
  Reply reply;
};

}  // namespace foilcache::redis
