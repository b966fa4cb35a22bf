#include "upstream_stub/path_info.hpp"

#include <array>

#include "common/hex.hpp"

namespace foilcache::stub {
namespace {

// The rules of the app the stub serves (stub_server.hpp), in Werkzeug's syntax.
constexpr std::array<std::string_view, 47> kRules = {
    "/", "/index.json", "/tinfoil.json", "/api/library", "/api/library/paged", "/api/library/search/paged",
    "/api/stats/overview", "/api/app_info/<id>", "/api/titledb_data/<title_id>", "/api/tags", "/api/tags/<id>",
    "/api/upcoming", "/api/titles/<title_id>/tags", "/api/games/<tid>/custom", "/api/system/info",
    "/api/image_proxy", "/api/get_game/<id>", "/api/library/ignore/<tid>", "/api/wishlist",
    "/api/wishlist/ignore/<tid>", "/api/wishlist/<id>", "/api/library/metadata/refresh/<tid>",
    "/api/library/metadata/refresh-all", "/api/library/match-rawg", "/api/library/scan", "/api/settings/shop",
    "/api/files/delete/<id>", "/api/cleanup/orphaned", "/api/system/metadata/fetch",
    "/api/settings/titledb/update", "/api/system/reidentify-all", "/api/settings/titles",
    "/api/settings/titledb/sources", "/api/settings/titledb/sources/reorder", "/api/settings/library/paths",
    "/api/settings/keys", "/api/backup/restore", "/api/renaming/run", "/api/users", "/api/user",
    "/api/settings/tokens", "/api/settings/tokens/<id>", "/api/change_password", "/api/upload",
    "/api/system/redis/reset", "/login", "/socket.io/"};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool rule_matches(std::string_view rule, std::string_view path) {
  while (!rule.empty() && !path.empty()) {
    const auto rule_end = rule.find('/', 1);
    const auto path_end = path.find('/', 1);
    const std::string_view want = rule.substr(0, rule_end);
    const std::string_view got = path.substr(0, path_end);
    const bool param = want.size() > 2 && want[1] == '<';
    if (param ? got.size() < 2 : want != got) return false;
    rule = rule_end == std::string_view::npos ? std::string_view{} : rule.substr(rule_end);
    path = path_end == std::string_view::npos ? std::string_view{} : path.substr(path_end);
  }
  return rule.empty() && path.empty();
}

// Werkzeug's re.sub("/{2,}?", "/", path): each pair of slashes, left to right, becomes one
// ("///" is "//" once merged, which matches no rule: a 404 after all).
std::string merge_slash_pairs(std::string_view path) {
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    out.push_back(path[i]);
    if (path[i] == '/' && i + 1 < path.size() && path[i + 1] == '/') ++i;
  }
  return out;
}

}  // namespace

std::string lenient_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool app_has_rule(std::string_view path) {
  for (const std::string_view rule : kRules) {
    if (rule_matches(rule, path)) return true;
  }
  return false;
}

PathRouting route_path_info(std::string_view raw_path) {
  const std::string info = lenient_decode(raw_path, /*plus_is_space=*/false);
  const auto first = info.find_first_not_of('/');
  PathRouting out;
  out.path = "/";
  if (first != std::string::npos) out.path.append(info, first);
  if (out.path.find("//") == std::string::npos) return out;
  std::string merged = merge_slash_pairs(out.path);
  if (app_has_rule(merged)) {
    out.kind = PathRouting::Kind::kRedirect;
    out.path = std::move(merged);
  } else {
    out.kind = PathRouting::Kind::kNotFound;
  }
  return out;
}

std::string redirect_location(std::string_view scheme, std::string_view host, std::string_view path,
                              std::string_view query) {
  constexpr std::string_view kSafe = "!$&'()*+,/:;=@_.-~";
  std::string out = std::string(scheme) + "://" + std::string(host);
  for (const char c : path) {
    const auto u = static_cast<unsigned char>(c);
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum || kSafe.find(c) != std::string_view::npos) {
      out.push_back(c);
    } else {
      common::append_pct_upper(out, u);
    }
  }
  if (!query.empty()) out.append("?").append(query);
  return out;
}

}  // namespace foilcache::stub
