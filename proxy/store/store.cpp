#include "proxy/store/store.hpp"

#include <algorithm>

namespace foilcache::store {

bool tags_current(const Entry& entry, std::span<const std::string> tags, std::span<const std::uint64_t> generations) {
  if (entry.tags.size() != tags.size() || generations.size() != tags.size()) return false;
  for (std::size_t i = 0; i < tags.size(); ++i) {
    if (entry.tags[i].first != tags[i] || entry.tags[i].second != generations[i]) return false;
  }
  return true;
}

bool fetched_since(const Entry& entry, std::span<const std::string> tags, std::span<const std::uint64_t> generations) {
  for (std::size_t i = 0; i < tags.size() && i < generations.size(); ++i) {
    const auto recorded = std::find_if(entry.tags.begin(), entry.tags.end(),
                                       [&](const auto& tag) { return tag.first == tags[i]; });
    if (recorded == entry.tags.end() || recorded->second < generations[i]) return false;
  }
  return true;
}

bool same_tags(const Entry& entry, std::span<const std::string> tags) {
  if (entry.tags.size() != tags.size()) return false;
  for (std::size_t i = 0; i < tags.size(); ++i) {
    if (entry.tags[i].first != tags[i]) return false;
  }
  return true;
}

}  // namespace foilcache::store
