// StubState: the server's shared, lock-protected state (library snapshots and edits, tags,
// shop settings, counters, modes), plus the small enums' text forms.
#include <algorithm>
#include <random>

#include "upstream_stub/render_util.hpp"
#include "upstream_stub/stub_handlers.hpp"

namespace foilcache::stub {
namespace {

// metadata_service.should_fetch_metadata: a fetch runs when the last one completed at
// least this long ago.
constexpr std::chrono::hours kMetadataFetchWindow{12};

}  // namespace

std::vector<StubUser> default_users() {
  return {{"alice", "alice-pw", true, false},
          {"bob", "bob-pw", true, false},
          {"admin", "admin-pw", true, true}};
}

std::vector<TitleDbSource> default_titledb_sources() {
  return {{"tinfoil.media", "https://tinfoil.media/repo/db", 1, true},
          {"blawar/titledb (GitHub)", "https://raw.githubusercontent.com/blawar/titledb/master", 10,
           true},
          {"MyFoil (Legacy)", "https://raw.githubusercontent.com/fernandodimas/MyFoil/master",
           20, false}};
}

std::string TitleSettings::active_source() const {
  const TitleDbSource* best = nullptr;
  for (const TitleDbSource& s : sources) {
    if (s.enabled && (best == nullptr || s.priority < best->priority)) best = &s;
  }
  return best == nullptr ? "TitleDB" : best->name;
}

std::string_view to_string(FailMode mode) {
  switch (mode) {
    case FailMode::kNone:
      return "none";
    case FailMode::kStatus500:
      return "500";
    case FailMode::kClose:
      return "close";
    case FailMode::kHang:
      return "hang";
  }
  return "none";
}

std::optional<FailMode> parse_fail_mode(std::string_view text) {
  if (text == "none") return FailMode::kNone;
  if (text == "500") return FailMode::kStatus500;
  if (text == "close") return FailMode::kClose;
  if (text == "hang") return FailMode::kHang;
  return std::nullopt;
}

StubState::StubState(StubOptions options)
    : options_(std::move(options)),
      library_(std::make_shared<const Library>(options_.library_seed, 0, options_.base_titles)),
      tags_(default_tags()),
      shop_(initial_shop()),
      shop_hauth_(options_.shop_hauth),
      jobs_fail_(options_.jobs_fail),
      random_state_(std::random_device{}()) {
  auto accounts = options_.users;
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    if (accounts[i].id == 0) accounts[i].id = static_cast<std::int64_t>(i + 1);
  }
  account_lists_.push_back(std::make_shared<const std::vector<StubUser>>(std::move(accounts)));
}

std::shared_ptr<const Library> StubState::library() const {
  std::lock_guard lock(mutex_);
  return library_;
}

std::uint64_t StubState::generation() const { return library()->generation(); }

std::uint64_t StubState::bump_generation() {
  std::lock_guard write(write_mutex_);
  const std::uint64_t next = generation() + 1;
  // Built outside mutex_: readers keep the old library meanwhile.
  auto fresh =
      std::make_shared<const Library>(options_.library_seed, next, options_.base_titles, edits_);
  std::lock_guard lock(mutex_);
  library_ = std::move(fresh);
  return next;
}

bool StubState::edit_library(const std::function<bool(LibraryEdits&, const Library&)>& edit) {
  std::lock_guard write(write_mutex_);
  const auto current = library();
  LibraryEdits edits = edits_;
  if (!edit(edits, *current)) return false;
  ++edits.revision;
  auto fresh = std::make_shared<const Library>(options_.library_seed, current->generation(),
                                               options_.base_titles, edits);
  edits_ = std::move(edits);
  std::lock_guard lock(mutex_);
  library_ = std::move(fresh);
  return true;
}

std::optional<CustomInfo> StubState::custom_info(std::string_view title_id) const {
  std::lock_guard write(write_mutex_);
  const auto it = edits_.custom.find(title_id);
  if (it == edits_.custom.end()) return std::nullopt;
  return it->second;
}

std::vector<Tag> StubState::tags() const {
  std::lock_guard lock(mutex_);
  return tags_;
}

std::optional<bool> StubState::update_tag(std::int64_t id,
                                          const std::function<bool(Tag&)>& update) {
  std::lock_guard lock(mutex_);
  const auto it =
      std::find_if(tags_.begin(), tags_.end(), [&](const Tag& t) { return t.id == id; });
  if (it == tags_.end()) return std::nullopt;
  Tag changed = *it;
  if (!update(changed)) return false;
  // Tag.name is unique: a clash fails the commit.
  for (const Tag& other : tags_) {
    if (other.id != id && other.name == changed.name) return false;
  }
  *it = std::move(changed);
  return true;
}

bool StubState::delete_tag(std::int64_t id) {
  std::lock_guard lock(mutex_);
  return std::erase_if(tags_, [&](const Tag& t) { return t.id == id; }) > 0;
}

ShopSettings StubState::shop() const {
  std::lock_guard lock(mutex_);
  return shop_;
}

void StubState::set_shop(ShopSettings shop) {
  std::lock_guard lock(mutex_);
  shop_ = std::move(shop);
}

ShopSettings StubState::initial_shop() const {
  return {options_.shop_public, options_.shop_motd, options_.shop_host, options_.shop_encrypt};
}

TitleSettings StubState::titles() const {
  std::lock_guard lock(mutex_);
  return titles_;
}

void StubState::set_titles(TitleSettings titles) {
  std::lock_guard lock(mutex_);
  titles_ = std::move(titles);
}

std::vector<std::string> StubState::library_paths() const {
  std::lock_guard lock(mutex_);
  return library_paths_;
}

bool StubState::set_library_path(const std::string& path, bool present) {
  std::lock_guard lock(mutex_);
  const auto it = std::find(library_paths_.begin(), library_paths_.end(), path);
  if (present == (it != library_paths_.end())) return false;
  if (present) {
    library_paths_.push_back(path);
  } else {
    library_paths_.erase(it);
  }
  return true;
}

const std::vector<StubUser>& StubState::accounts() const {
  std::lock_guard lock(mutex_);
  return *account_lists_.back();
}

bool StubState::edit_accounts(const std::function<bool(std::vector<StubUser>&)>& edit) {
  std::lock_guard lock(mutex_);
  auto accounts = *account_lists_.back();
  if (!edit(accounts)) return false;
  account_lists_.push_back(std::make_shared<const std::vector<StubUser>>(std::move(accounts)));
  return true;
}

bool StubState::metadata_fetch_due(std::chrono::system_clock::time_point now) const {
  std::lock_guard lock(mutex_);
  return !last_metadata_fetch_ || now - *last_metadata_fetch_ >= kMetadataFetchWindow;
}

std::int64_t StubState::begin_metadata_fetch() {
  std::lock_guard lock(mutex_);
  return ++metadata_fetch_logs_;
}

void StubState::metadata_fetch_completed(std::chrono::system_clock::time_point when) {
  std::lock_guard lock(mutex_);
  last_metadata_fetch_ = when;
}

void StubState::count(std::string_view path) {
  std::lock_guard lock(mutex_);
  auto it = counters_.find(path);
  if (it == counters_.end()) {
    counters_.emplace(std::string(path), 1);
  } else {
    ++it->second;
  }
}

std::map<std::string, std::uint64_t> StubState::counters() const {
  std::lock_guard lock(mutex_);
  return {counters_.begin(), counters_.end()};
}

void StubState::reset_counters() {
  std::lock_guard lock(mutex_);
  counters_.clear();
}

std::string StubState::shop_hauth() const {
  std::lock_guard lock(mutex_);
  return shop_hauth_;
}

void StubState::set_shop_hauth(std::string hauth) {
  std::lock_guard lock(mutex_);
  shop_hauth_ = std::move(hauth);
}

std::uint64_t StubState::next_random() {
  return render::splitmix(
      random_state_.fetch_add(0x9E3779B97F4A7C15ull, std::memory_order_relaxed));
}

std::chrono::milliseconds StubState::draw_latency(LatencyClass latency) {
  const LatencyRange* range = nullptr;
  switch (latency) {
    case LatencyClass::kNone:
      return std::chrono::milliseconds{0};
    case LatencyClass::kLibrary:
      range = &options_.library_latency;
      break;
    case LatencyClass::kSystemInfo:
      range = &options_.system_info_latency;
      break;
    case LatencyClass::kShop:
      range = &options_.shop_latency;
      break;
    case LatencyClass::kMetadata:
      range = &options_.metadata_latency;
      break;
  }
  if (options_.latency_scale <= 0.0) return std::chrono::milliseconds{0};
  const auto lo = range->min.count();
  const auto hi = std::max(range->min.count(), range->max.count());
  const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
  const auto ms = lo + static_cast<std::int64_t>(next_random() % span);
  return std::chrono::milliseconds{
      static_cast<std::int64_t>(static_cast<double>(ms) * options_.latency_scale)};
}

}  // namespace foilcache::stub
