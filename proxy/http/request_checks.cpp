#include "proxy/http/request_checks.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <string>

#include "common/text.hpp"
#include "proxy/http/router.hpp"

namespace foilcache::http_server {
namespace {

// RFC 9112 §3.2 / RFC 3986 §3.2: uri-host [ ":" port ], without userinfo or an empty host.
bool valid_host(std::string_view value) {
  const auto authority = boost::urls::parse_authority(value);
  return authority && !authority->has_userinfo() && !authority->encoded_host().empty();
}

// RFC 9112 §3.2.2: an absolute-form target as origin-form, its authority replacing Host.
Admission to_origin_form(http::request_header<>& request) {
  const auto url = boost::urls::parse_absolute_uri(request.target());
  if (!url) return Admission::refuse(http::status::bad_request, "invalid request target");
  const auto scheme = url->scheme_id();
  if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) {
    return Admission::refuse(http::status::bad_request, "only http and https targets are served");
  }
  if (url->has_userinfo()) return Admission::refuse(http::status::bad_request, "userinfo in the request target");
  if (!url->has_authority() || !valid_host(url->encoded_host_and_port())) {
    return Admission::refuse(http::status::bad_request, "invalid host in the request target");
  }
  std::string target = url->encoded_path().empty() ? std::string("/") : std::string(url->encoded_path());
  if (target.front() != '/') return Admission::refuse(http::status::bad_request, "invalid request target");
  if (url->has_query()) target.append("?").append(url->encoded_query());
  const std::string host(url->encoded_host_and_port());  // copied: the target it views is replaced
  if (request.count(http::field::host) > 1) return Admission::refuse(http::status::bad_request, "more than one Host");
  request.set(http::field::host, host);
  request.target(target);
  return {};
}

}  // namespace

Admission check_framing(http::request_header<>& request, boost::optional<std::uint64_t> content_length) {
  // Beast marks a request chunked when `chunked` is its last coding and ignores any other
  // list, which then frames the body as the next request (RFC 9112 §6.3 point 4).
  int codings = 0;
  int chunked = 0;
  bool chunked_last = false;
  for (auto [it, end] = request.equal_range(http::field::transfer_encoding); it != end; ++it) {
    common::for_each_list_member(it->value(), [&](std::string_view coding) {
      ++codings;
      chunked_last = common::iequals(coding, "chunked");
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

Admission check_target(http::request_header<>& request) {
  const std::string_view target = request.target();
  if (request.method() == http::verb::connect) {
    return Admission::refuse(http::status::not_implemented, "CONNECT is not served: foilcache is no forward proxy");
  }
  if (target == "*") {
    if (request.method() == http::verb::options) return {Admission::Verdict::kAnswerServerOptions, http::status::ok, {}};
    return Admission::refuse(http::status::bad_request, "an asterisk target is for OPTIONS only");
  }
  if (!target.starts_with('/')) {
    // absolute-form ("http://host/path"); anything else (authority-form, garbage) is refused.
    if (target.find("://") == std::string_view::npos) {
      return Admission::refuse(http::status::bad_request, "invalid request target");
    }
    if (auto converted = to_origin_form(request); !converted.accepted()) return converted;
  } else if (target.find('#') != std::string_view::npos) {
    return Admission::refuse(http::status::bad_request, "a fragment in the request target");
  }
  const auto hosts = request.count(http::field::host);
  if (hosts > 1) return Admission::refuse(http::status::bad_request, "more than one Host");
  if (hosts == 0) {
    if (request.version() >= 11) return Admission::refuse(http::status::bad_request, "no Host");
    return {};
  }
  if (!valid_host(request[http::field::host])) return Admission::refuse(http::status::bad_request, "invalid Host");
  return {};
}

Admission check_own_path(const http::request_header<>& request) {
  const std::string_view target = request.target();
  if (is_own_path_in_disguise(target.substr(0, target.find('?')))) {
    return Admission::refuse(http::status::bad_request, "foilcache's own paths are spelled plainly");
  }
  return {};
}

Admission admit(http::request_header<>& request, boost::optional<std::uint64_t> content_length) {
  if (auto framing = check_framing(request, content_length); !framing.accepted()) return framing;
  if (auto target = check_target(request); !target.accepted()) return target;
  return check_own_path(request);
}

}  // namespace foilcache::http_server
