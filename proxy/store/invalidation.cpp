#include "proxy/store/invalidation.hpp"

#include <charconv>
#include <utility>

namespace foilcache::store {
namespace {

constexpr std::pair<Invalidation::Kind, std::string_view> kKinds[] = {
    {Invalidation::Kind::kTag, "tag"},         {Invalidation::Kind::kKey, "key"},
    {Invalidation::Kind::kPattern, "pattern"}, {Invalidation::Kind::kClear, "clear"},
    {Invalidation::Kind::kHeartbeat, "hb"},
};

// Splits off the text up to the next space.
std::string_view next_word(std::string_view& text) {
  const auto space = text.find(' ');
  const auto word = text.substr(0, space);
  text.remove_prefix(space == std::string_view::npos ? text.size() : space + 1);
  return word;
}

}  // namespace

std::string Invalidation::encode() const {
  std::string_view name = "hb";
  for (const auto& [k, text] : kKinds) {
    if (k == kind) name = text;
  }
  std::string out(name);
  out.append(" ").append(id.empty() ? "-" : id).append(" ").append(std::to_string(generation)).append(" ");
  out.append(value);
  return out;
}

std::optional<Invalidation> Invalidation::decode(std::string_view text) {
  Invalidation out;
  const auto name = next_word(text);
  bool known = false;
  for (const auto& [k, word] : kKinds) {
    if (word == name) {
      out.kind = k;
      known = true;
    }
  }
  const auto id = next_word(text);
  const auto generation = next_word(text);
  if (!known || id.empty() || generation.empty()) return std::nullopt;
  const auto [end, ec] = std::from_chars(generation.data(), generation.data() + generation.size(), out.generation);
  if (ec != std::errc() || end != generation.data() + generation.size()) return std::nullopt;
  if (id != "-") out.id = std::string(id);
  out.value = std::string(text);
  return out;
}

}  // namespace foilcache::store
