// What the front door checks in a request header before anything routes it, keys it or
// forwards it: the framing of its body (RFC 9112 §6), its target and Host (RFC 9112 §3.2),
// and the proxy's own paths in other spellings.
// Pure; table-tested. docs/HARDENING.md says why each rule is what it is.
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
    kAnswerServerOptions,  // OPTIONS *: the proxy answers for itself (RFC 9110 §9.3.7)
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

// RFC 9112 §3.2: what foilcache routes, keys and forwards is an origin-form target and one
// valid Host, so the checks below run before decide():
// - CONNECT is 501 (foilcache is no forward proxy); any other authority-form target is 400;
// - `OPTIONS *` is kAnswerServerOptions; `*` with another method is 400;
// - an absolute-form target (http or https) becomes origin-form, its host[:port]
//   replacing every Host field (§3.2.2); userinfo in it, another scheme or a fragment is 400;
// - any other target that does not start with '/', or that holds a '#', is 400;
// - HTTP/1.1 without Host, more than one Host field, or a Host that is not a valid
//   uri-host[:port] (empty, userinfo, spaces, ...) is 400. HTTP/1.0 may omit it.
Admission check_target(http::request_header<>& request);

// The proxy's own paths (/healthz, /readyz, /metrics, /api/cache...) in another spelling
// (`/%6detrics`, `/api/cache%2Fclear`, `//metrics`, `/x/../healthz`) would pass decide()
// and be routed by the app to what the spelling decodes to: 400. Precondition: origin-form.
Admission check_own_path(const http::request_header<>& request);

// The checks in order, framing first: what the session asks of every request header.
Admission admit(http::request_header<>& request, boost::optional<std::uint64_t> content_length);

}  // namespace foilcache::http_server
