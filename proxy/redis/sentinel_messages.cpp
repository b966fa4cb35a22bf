#include "proxy/redis/sentinel_messages.hpp"

#include <charconv>
#include <string>
#include <vector>

namespace foilcache::redis {
namespace {

std::optional<Endpoint> make_endpoint(std::string_view host, std::string_view port_text) {
  std::uint16_t port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (host.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || port == 0) {
    return std::nullopt;
  }
  return Endpoint{std::string(host), port};
}

}  // namespace

std::optional<Endpoint> parse_master_address(const Reply& reply) {
  if (reply.type != ReplyType::kArray || reply.elements.size() != 2) return std::nullopt;
  const Reply& host = reply.elements[0];
  const Reply& port = reply.elements[1];
  if (host.type != ReplyType::kString || port.type != ReplyType::kString) return std::nullopt;
  return make_endpoint(host.str(), port.str());
}

std::optional<Endpoint> parse_switch_master(std::string_view payload, std::string_view master_name) {
  std::vector<std::string_view> words;
  while (!payload.empty()) {
    const auto space = payload.find(' ');
    if (space != 0) words.push_back(payload.substr(0, space));
    if (space == std::string_view::npos) break;
    payload.remove_prefix(space + 1);
  }
  if (words.size() != 5 || words[0] != master_name) return std::nullopt;
  return make_endpoint(words[3], words[4]);
}

}  // namespace foilcache::redis
