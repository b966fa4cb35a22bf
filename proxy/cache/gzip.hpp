// gzip (RFC 1952) with zlib: a stored body is compressed once, when it is stored, and
// inflated only for a client that did not ask for gzip.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace foilcache::cache {

// `data` as one gzip member (deflate level 1: it is spent on a miss's way to the client).
std::string gzip_compress(std::string_view data);

// The content of the gzip member `data`, which must inflate to exactly `expected_size`
// bytes; nullopt when it is not valid gzip, is followed by anything, or has another size.
std::optional<std::string> gzip_decompress(std::string_view data, std::size_t expected_size);

}  // namespace foilcache::cache
