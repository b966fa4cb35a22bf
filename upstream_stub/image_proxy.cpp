// GET /api/image_proxy?url=U (routes/web.py image_proxy) answered from local data: the app
// fetches U with requests and streams it; the stub makes a deterministic body instead and
// never goes out. What U selects:
//   host ending in ".invalid"    502, the app's text for a name that does not resolve
//   "status=NNN" in U's query     502, the app's text for an upstream error status (>= 400)
//   "size=N" in U's query         an N-byte body (at least a minimal PNG; at most
//                                 StubOptions::image_max_size); else 2-4 KiB keyed by U
//   path ending .png/.jpg/.jpeg/.gif/.webp  that image type (a valid PNG's bytes)
//   path ending .txt / .html / .htm         text/plain / text/html: not an image
//   anything else                 image/jpeg (what the app sends when U has no type)
// Like the app: no auth, "Cache-Control: public, max-age=604800", streamed (no
// Content-Length on HTTP/1.1).
#include <algorithm>
#include <boost/crc.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "upstream_stub/app_routes.hpp"
#include "upstream_stub/render_util.hpp"
#include "upstream_stub/route_util.hpp"

namespace foilcache::stub {
namespace {

constexpr std::string_view kImageCacheControl = "public, max-age=604800";  // 7 days
constexpr std::string_view kHtml = "text/html; charset=utf-8";
constexpr std::size_t kDefaultImageBase = 2048;
constexpr std::size_t kDefaultImageSpread = 2048;
constexpr std::size_t kChunkOverhead = 12;  // length, type, CRC
constexpr unsigned char kPngSignature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
// IHDR of a 1x1 8-bit grey image, and an IDAT of its one row (filter 0, pixel 0) as a
// stored zlib block with its Adler-32.
constexpr unsigned char kIhdr[] = {0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0};
constexpr unsigned char kIdat[] = {0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF,
                                   0x00, 0x00, 0x00, 0x02, 0x00, 0x01};
constexpr std::size_t kMinimalPng =
    sizeof kPngSignature + 4 * kChunkOverhead + sizeof kIhdr + sizeof kIdat;

void put32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

void chunk(std::string& out, std::string_view type, std::string_view data) {
  put32(out, static_cast<std::uint32_t>(data.size()));
  boost::crc_32_type crc;
  crc.process_bytes(type.data(), type.size());
  crc.process_bytes(data.data(), data.size());
  out.append(type);
  out.append(data);
  put32(out, crc.checksum());
}

std::string filler(std::uint64_t seed, std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    out[i] = static_cast<char>(render::splitmix(seed + i / 8) >> (8 * (i % 8)));
  }
  return out;
}

}  // namespace

// A valid PNG of exactly max(size, minimal) bytes: the padding sits in a private ancillary
// chunk ("stUb"), filled from `seed`.
std::string stub_png(std::uint64_t seed, std::size_t size) {
  const std::size_t padding = size > kMinimalPng ? size - kMinimalPng : 0;
  std::string out(reinterpret_cast<const char*>(kPngSignature), sizeof kPngSignature);
  chunk(out, "IHDR", std::string_view(reinterpret_cast<const char*>(kIhdr), sizeof kIhdr));
  chunk(out, "stUb", filler(seed, padding));
  chunk(out, "IDAT", std::string_view(reinterpret_cast<const char*>(kIdat), sizeof kIdat));
  chunk(out, "IEND", "");
  return out;
}

namespace {

std::string_view content_type_of(std::string_view path) {
  const std::string p = render::lower(path);
  auto ends = [&](std::string_view ext) { return p.ends_with(ext); };
  if (ends(".png")) return "image/png";
  if (ends(".gif")) return "image/gif";
  if (ends(".webp")) return "image/webp";
  if (ends(".txt")) return "text/plain; charset=utf-8";
  if (ends(".html") || ends(".htm")) return kHtml;
  return "image/jpeg";
}

std::optional<std::int64_t> param(const boost::urls::url_view& u, std::string_view name) {
  for (const auto& p : u.params()) {
    if (p.key == name) return python_int(p.value);
  }
  return std::nullopt;
}

Reply failed(std::string message, unsigned v) {
  Reply reply;
  reply.response =
      make_response(http::status::bad_gateway, "Failed to retrieve image: " + message, kHtml, v);
  return reply;
}

// What requests raises for `url` in the cases the stub fakes; nullopt: it fetches fine.
std::optional<std::string> fetch_error(const boost::urls::url_view& u, std::string_view url) {
  const bool https = u.scheme() == "https";
  const std::string host = u.host_address();
  const std::string port = u.has_port() ? std::string(u.port()) : https ? "443" : "80";
  const std::string pool = std::string(https ? "HTTPS" : "HTTP") + "ConnectionPool(host='" + host +
                           "', port=" + port + ")";
  if (host.ends_with(".invalid")) {
    return pool + ": Max retries exceeded with url: " + std::string(u.encoded_target()) +
           " (Caused by NameResolutionError(\"<urllib3.connection." + (https ? "HTTPS" : "HTTP") +
           "Connection object>: Failed to resolve '" + host +
           "' ([Errno -2] Name or service not known)\"))";
  }
  if (const auto status = param(u, "status"); status && *status >= 400 && *status <= 599) {
    return std::to_string(*status) + (*status < 500 ? " Client Error" : " Server Error") +
           ": stub for url: " + std::string(url);
  }
  return std::nullopt;
}

}  // namespace

std::optional<Reply> image_proxy_route(StubState& state, const Request& req, std::string_view path,
                                       const QueryParams& query) {
  if (path != "/api/image_proxy") return std::nullopt;
  const unsigned v = req.version();
  Reply reply;
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    reply.response = route::method_not_allowed("GET, HEAD", v);
    return reply;
  }
  const std::string url(query_first(query, "url").value_or(""));
  if (url.empty()) {
    reply.response = make_response(http::status::bad_request, "Missing url parameter", kHtml, v);
    return reply;
  }
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    reply.response = make_response(http::status::bad_request, "Invalid protocol", kHtml, v);
    return reply;
  }
  const auto u = boost::urls::parse_uri(url);
  if (!u || u->host_address().empty())
    return failed("Invalid URL '" + url + "': No host supplied", v);
  if (auto error = fetch_error(*u, url)) return failed(std::move(*error), v);

  const std::uint64_t seed = render::fnv1a(url);
  const auto asked = param(*u, "size");
  const std::size_t size =
      asked ? static_cast<std::size_t>(std::clamp<std::int64_t>(
                  *asked, 0, static_cast<std::int64_t>(state.options().image_max_size)))
            : kDefaultImageBase + seed % kDefaultImageSpread;
  const std::string_view type = content_type_of(u->path());
  std::string body = type.starts_with("image/") ? stub_png(seed, size) : std::string(size, 'x');
  reply.response = make_response(http::status::ok, std::move(body), type, v);
  reply.response.set(http::field::cache_control, kImageCacheControl);
  // The app streams the upstream body (iter_content): chunked, no Content-Length.
  if (v == 11) reply.response.chunked(true);
  reply.latency = LatencyClass::kMetadata;
  return reply;
}

}  // namespace foilcache::stub
