// RESP request encoding: a command's argv as the array of bulk strings a Redis server reads.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace foilcache::redis {

// Writes `argv` into `out` as a RESP array of bulk strings ("*<n>\r\n" then "$<len>\r\n<arg>\r\n"
// per argument): the bytes redisFormatCommandArgv makes, without its sds allocations and
// printf-style formatting on every command. Binary safe: an argument may hold any byte,
// "\r\n" and NUL included; an empty argv gives "*0\r\n".
// Replaces `out`'s contents and keeps its capacity, so a buffer reused for every command
// stops allocating once it is large enough. Pure; any thread.
void format_command(std::span<const std::string_view> argv, std::string& out);

}  // namespace foilcache::redis
