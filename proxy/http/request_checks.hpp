// What the front door checks in a request header before anything routes it, keys it or
// forwards it: the framing of its body (RFC 9112 §6). Pure; table-tested. docs/HARDENING.md
// says why each rule is what it is.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/net.hpp"

namespace foilcache::http_server {

// The front door's verdict on one request header.
struct Admission {
  enum class Verdict {
    kAccept,  // serve it (the header may have been normalised in place)
    kRefuse,  // answer `status` with `reason`, then close: the rest of the stream is unknown
  };
  Verdict verdict = Verdict::kAccept;
  http::status status = http::status::ok;
  std::string_view reason;  // kRefuse: the error body's message (static text)

  bool accepted() const { return verdict == Verdict::kAccept; }
  static Admission refuse(http::status status, std::string_view reason) {
    return {Verdict::kRefuse, status, reason};
  }
};

// RFC 9112 §6.1 and §6.3 on a header Beast parsed (it already refused differing
// Content-Length values and Content-Length with Transfer-Encoding):
// - the Transfer-Encoding codings of every field together must be exactly one `chunked`
//   (any case, empty list members ignored); chunked not last, twice, or a Transfer-Encoding
//   in an HTTP/1.0 request is 400 (the body's length cannot be known); chunked last after
//   other codings is 501 (a coding the app does not decode);
// - identical Content-Length values (`N, N`, or several fields) become one
//   `Content-Length: N` (`content_length` is the parser's value).
// Precondition: `request` is the header as received.
Admission check_framing(http::request_header<>& request, boost::optional<std::uint64_t> content_length);

}  // namespace foilcache::http_server
