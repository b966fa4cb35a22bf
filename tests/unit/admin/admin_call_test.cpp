// The admin sub-router: method + target -> call, one case per row of the contract.
#include "proxy/admin/admin_call.hpp"

#include <gtest/gtest.h>

namespace foilcache::admin {
namespace {

using Op = AdminCall::Op;

struct Case {
  const char* name;
  http::verb method;
  const char* target;
  Op op;
  const char* argument;
};

class AdminCallParse : public ::testing::TestWithParam<Case> {};

TEST_P(AdminCallParse, Parses) {
  const auto& c = GetParam();
  const auto call = parse_admin_call(c.method, c.target);
  EXPECT_EQ(call.op, c.op);
  EXPECT_EQ(call.argument, c.argument);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AdminCallParse,
    ::testing::Values(
        Case{"Info", http::verb::get, "/api/cache/info", Op::kInfo, ""},
        Case{"InfoIgnoresQuery", http::verb::get, "/api/cache/info?x=1", Op::kInfo, ""},
        Case{"InfoByPost", http::verb::post, "/api/cache/info", Op::kMethodNotAllowed, ""},
        Case{"Clear", http::verb::post, "/api/cache/clear", Op::kClear, ""},
        Case{"ClearByGet", http::verb::get, "/api/cache/clear", Op::kMethodNotAllowed, ""},
        Case{"ResetStats", http::verb::post, "/api/cache/reset-stats", Op::kResetStats, ""},
        Case{"Pattern", http::verb::post, "/api/cache/invalidate?pattern=library_paged%3A*", Op::kInvalidatePattern,
             "library_paged:*"},
        Case{"PatternPlusIsSpace", http::verb::post, "/api/cache/invalidate?pattern=a+b", Op::kInvalidatePattern,
             "a b"},
        Case{"PatternMissing", http::verb::post, "/api/cache/invalidate", Op::kInvalidatePattern, ""},
        Case{"PatternEncodedName", http::verb::post, "/api/cache/invalidate?%70attern=x", Op::kInvalidatePattern,
             "x"},
        Case{"Tag", http::verb::post, "/api/cache/invalidate/library", Op::kInvalidateTag, "library"},
        Case{"TagDecoded", http::verb::post, "/api/cache/invalidate/lib%20rary", Op::kInvalidateTag, "lib rary"},
        Case{"TagByGet", http::verb::get, "/api/cache/invalidate/library", Op::kMethodNotAllowed, ""},
        Case{"KeyGet", http::verb::get, "/api/cache/keys/system_info", Op::kKeyGet, "system_info"},
        Case{"KeyDecoded", http::verb::get, "/api/cache/keys/a%3Ab", Op::kKeyGet, "a:b"},
        Case{"KeyDelete", http::verb::delete_, "/api/cache/keys/k", Op::kKeyDelete, "k"},
        Case{"KeyByPost", http::verb::post, "/api/cache/keys/k", Op::kMethodNotAllowed, ""},
        Case{"EmptyKey", http::verb::get, "/api/cache/keys/", Op::kMethodNotAllowed, ""},
        Case{"InternalKeyDelete", http::verb::delete_, "/api/cache/keys/@gen:library", Op::kInternalKey,
             "@gen:library"},
        Case{"InternalKeyGetEncoded", http::verb::get, "/api/cache/keys/%40stats", Op::kInternalKey, "@stats"},
        Case{"InternalPattern", http::verb::post, "/api/cache/invalidate?pattern=%40gen%3A*", Op::kInternalKey,
             "@gen:*"},
        Case{"InternalPatternEscaped", http::verb::post, "/api/cache/invalidate?pattern=%5C%40*", Op::kInternalKey,
             "\\@*"},
        Case{"KeyWithAtInside", http::verb::get, "/api/cache/keys/a%40b", Op::kKeyGet, "a@b"},
        Case{"Root", http::verb::get, "/api/cache", Op::kUnknown, ""},
        Case{"Unknown", http::verb::get, "/api/cache/nope", Op::kUnknown, ""}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(AdminCallQuery, FirstValueDecoded) {
  EXPECT_EQ(query_param("/x?a=1&a=2", "a"), "1");
  EXPECT_EQ(query_param("/x?a", "a"), "");
  EXPECT_EQ(query_param("/x?b=1", "a"), std::nullopt);
  EXPECT_EQ(query_param("/x", "a"), std::nullopt);
}

}  // namespace
}  // namespace foilcache::admin
