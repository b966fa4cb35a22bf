// The admin API's sub-router on a target the caller sends (admin::parse_admin_call: the
// path, percent-decoded keys and tags, the pattern query parameter) and admin::query_param.
// Input: one byte choosing the method, then the target (prefixed with /api/cache, the
// function's precondition, unless it already starts so).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_input.hpp"
#include "proxy/admin/admin_call.hpp"

using namespace foilcache;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Fields in(data, size);
  constexpr http::verb kMethods[] = {http::verb::get, http::verb::post, http::verb::delete_, http::verb::head,
                                     http::verb::put};
  const auto method = kMethods[in.byte() % std::size(kMethods)];
  std::string target(in.rest());
  if (target.rfind("/api/cache", 0) != 0) target.insert(0, target.empty() || target[0] != '/' ? "/api/cache/" : "/api/cache");
  const admin::AdminCall call = admin::parse_admin_call(method, target);
  // A key or pattern naming foilcache's own keys is never handed on (admin_call.hpp).
  if ((call.op == admin::AdminCall::Op::kKeyGet || call.op == admin::AdminCall::Op::kKeyDelete ||
       call.op == admin::AdminCall::Op::kInvalidatePattern) &&
      !call.argument.empty() && call.argument.front() == '@') {
    __builtin_trap();
  }
  (void)admin::query_param(target, "pattern");
  return 0;
}
