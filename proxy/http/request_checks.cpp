#include "proxy/http/request_checks.hpp"

#include <string>

#include "common/text.hpp"

namespace foilcache::http_server {

Admission check_framing(http::request_header<>& request, boost::optional<std::uint64_t> content_length) {
  // Beast marks a request chunked when `chunked` is its last coding and ignores any other
  // list, which then frames the body as the next request (RFC 9112 §6.3 point 4).
  int codings = 0;
  int chunked = 0;
  bool chunked_last = false;
  for (auto [it, end] = request.equal_range(http::field::transfer_encoding); it != end; ++it) {
    common::for_each_list_member(it->value(), [&](std::string_view coding) {
      ++codings;
      chunked_last = beast::iequals(coding, "chunked");
      if (chunked_last) ++chunked;
    });
  }
  if (request.count(http::field::transfer_encoding) != 0) {
    if (request.version() < 11) return Admission::refuse(http::status::bad_request, "Transfer-Encoding in HTTP/1.0");
    if (!chunked_last || chunked != 1) {
      return Admission::refuse(http::status::bad_request, "Transfer-Encoding must end in one chunked");
    }
    if (codings != 1) return Admission::refuse(http::status::not_implemented, "unsupported transfer coding");
  }
  // One Content-Length field with the value alone: what the app and every hop agree on.
  if (content_length && (request.count(http::field::content_length) != 1 ||
                         request[http::field::content_length] != std::to_string(*content_length))) {
    request.set(http::field::content_length, std::to_string(*content_length));
  }
  return {};
}

}  // namespace foilcache::http_server
