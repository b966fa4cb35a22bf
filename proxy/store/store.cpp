#include "proxy/store/store.hpp"

namespace foilcache::store {

bool tags_current(const Entry& entry, std::span<const std::string> tags, std::span<const std::uint64_t> generations) {
  if (entry.tags.size() != tags.size() || generations.size() != tags.size()) return false;
  for (std::size_t i = 0; i < tags.size(); ++i) {
    if (entry.tags[i].first != tags[i] || entry.tags[i].second != generations[i]) return false;
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
