// format_command: byte-exact RESP for a table of argv lists, checked against hiredis' own
// formatter as well, so the hand-written encoder cannot drift from what the server reads.
#include <cstdlib>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include "proxy/redis/resp.hpp"

namespace foilcache::redis {
namespace {

using namespace std::string_literals;

struct RespCase {
  const char* name;
  std::vector<std::string> argv;
  std::string bytes;  // what the server must read
};

std::ostream& operator<<(std::ostream& out, const RespCase& c) { return out << c.name; }

std::vector<std::string_view> views(const std::vector<std::string>& argv) {
  return {argv.begin(), argv.end()};
}

// What hiredis makes of `argv` (the reference the encoder replaces).
std::string hiredis_bytes(const std::vector<std::string>& argv) {
  std::vector<const char*> pointers;
  std::vector<std::size_t> lengths;
  for (const auto& arg : argv) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* formatted = nullptr;
  const int size = redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()), pointers.data(),
                                          lengths.data());
  std::string out(formatted, static_cast<std::size_t>(size));
  redisFreeCommand(formatted);
  return out;
}

class RespFormat : public ::testing::TestWithParam<RespCase> {};

TEST_P(RespFormat, WritesTheExactBytes) {
  const RespCase& c = GetParam();
  const auto argv = views(c.argv);
  std::string out;
  format_command(argv, out);
  EXPECT_EQ(out, c.bytes);
}

TEST_P(RespFormat, MatchesHiredis) {
  const RespCase& c = GetParam();
  const auto argv = views(c.argv);
  std::string out;
  format_command(argv, out);
  EXPECT_EQ(out, hiredis_bytes(c.argv));
}

INSTANTIATE_TEST_SUITE_P(
    Commands, RespFormat,
    ::testing::Values(
        RespCase{"NoArguments", {}, "*0\r\n"},
        RespCase{"OneWord", {"PING"}, "*1\r\n$4\r\nPING\r\n"},
        RespCase{"KeyAndValue", {"SET", "k", "v"}, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"},
        RespCase{"EmptyArgument", {"SET", "k", ""}, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"},
        RespCase{"OnlyEmptyArguments", {"", ""}, "*2\r\n$0\r\n\r\n$0\r\n\r\n"},
        RespCase{"BinaryArgument", {"SET", "k", "a\0b\r\n\xff"s},
                 "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\na\0b\r\n\xff\r\n"s},
        RespCase{"SpacesAreNotSeparators", {"GET", "a b"}, "*2\r\n$3\r\nGET\r\n$3\r\na b\r\n"},
        RespCase{"MultiDigitLength", {"GET", std::string(1234, 'x')},
                 std::string("*2\r\n$3\r\nGET\r\n$1234\r\n").append(1234, 'x').append("\r\n")},
        RespCase{"TenArguments", {"MGET", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
                 "*10\r\n$4\r\nMGET\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"
                 "$1\r\n6\r\n$1\r\n7\r\n$1\r\n8\r\n$1\r\n9\r\n"}),
    [](const ::testing::TestParamInfo<RespCase>& info) { return std::string(info.param.name); });

TEST(RespBuffer, ReplacesThePreviousCommandAndKeepsTheCapacity) {
  std::string out;
  const std::vector<std::string> big{"SET", "k", std::string(4096, 'v')};
  const auto big_argv = views(big);
  format_command(big_argv, out);
  const std::size_t capacity = out.capacity();
  const std::vector<std::string> small{"GET", "k"};
  const auto small_argv = views(small);
  format_command(small_argv, out);
  EXPECT_EQ(out, "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
  EXPECT_EQ(out.capacity(), capacity);
}

}  // namespace
}  // namespace foilcache::redis
