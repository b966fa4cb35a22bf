// RFC 9111 §4.4 for `ttl: origin` routes: an unsafe request (POST, PUT, PATCH, DELETE, ...)
// that the origin answered with a non-error status invalidates the stored answers of its
// target URI and of the URIs its Location and Content-Location name on the same host.
// (Fixed-TTL routes say what a write invalidates themselves: `invalidates:`.)
#pragma once

#include <string>
#include <vector>

#include "common/net.hpp"
#include "proxy/config/config.hpp"

namespace foilcache::pipeline {

// The keys those URIs have under the origin GET routes that match them, rendered with the
// request's own headers and caller (the reads they stand for would send the same). Empty
// when none matches.
std::vector<std::string> origin_keys_invalidated(const config::Config& config, const http::request_header<>& request,
                                                 const http::response_header<>& response);

}  // namespace foilcache::pipeline
