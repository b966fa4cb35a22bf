#include "proxy/store/redis_store.hpp"
#include "proxy/cache/entry_codec.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <string_view>
#include <vector>

namespace foilcache::store {
namespace {
constexpr std::string_view kGenerationInfix = "@gen:";
constexpr std::string_view kStatsSuffix = "@stats";
constexpr std::string_view kLockInfix = "@lock:";
constexpr std::string_view kPassMarker = "pass";
// Releases the lock only if this attempt still holds it (it may have expired and been
// taken by another instance); with ARGV[2] == "pass" it leaves the pass marker instead.
constexpr std::string_view kUnlockScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "if ARGV[2] == 'pass' then return redis.call('SET', KEYS[1], 'pass', 'PX', ARGV[3]) end "
    "return redis.call('DEL', KEYS[1]) end return 0";
constexpr char kInternalMark = '@';  // first byte after the prefix of foilcache's own keys
// Commands of one lookup (the entry and its tags' generations) kept without a heap allocation.
constexpr std::size_t kInlineCommands = 4;
}  // namespace

RedisStore::RedisStore(std::shared_ptr<redis::Client> client, std::string prefix)
    : client_(std::move(client)), prefix_(std::move(prefix)), stats_key_(prefix_ + std::string(kStatsSuffix)) {}

std::string RedisStore::full_key(std::string_view key) const {
  std::string full;
  full.reserve(prefix_.size() + key.size());
  full.append(prefix_).append(key);
  return full;
}

namespace {

// A generation as GET answers it: nil (never invalidated) is 0.
std::optional<std::uint64_t> parse_generation(const redis::Result& result) {
  if (result.ec || result.reply.is_error()) return std::nullopt;
  if (result.reply.is_nil()) return 0;
  if (result.reply.type != redis::ReplyType::kString) return std::nullopt;
  const auto text = result.reply.str();
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string RedisStore::generation_key(std::string_view tag) const {
  std::string key;
  key.reserve(prefix_.size() + kGenerationInfix.size() + tag.size());
  key.append(prefix_).append(kGenerationInfix).append(tag);
  return key;
}

net::awaitable<std::optional<std::vector<std::uint64_t>>> RedisStore::generations(std::span<const std::string> tags) {
  std::vector<std::string> keys;
  std::vector<std::vector<std::string_view>> commands;
  keys.reserve(tags.size());
  for (const auto& tag : tags) keys.push_back(generation_key(tag));
  for (const auto& key : keys) commands.push_back({"GET", key});
  auto results = co_await client_->pipeline(std::move(commands));
  std::vector<std::uint64_t> out;
  for (const auto& result : results) {
    const auto generation = parse_generation(result);
    if (!generation) co_return std::nullopt;
    out.push_back(*generation);
  }
  co_return out;
}

net::awaitable<GetResult> RedisStore::get(std::string key, std::span<const std::string> tags) {
  if (key.starts_with(kInternalMark)) co_return GetResult{};  // foilcache's own key: never an entry (del)
  // The entry and its route's tag generations in one round trip: GET key, GET gen... The
  // hit path's allocations are kept down: every key is written into one buffer, and the
  // commands sit on the coroutine frame for up to kInlineCommands (vectors beyond that).
  std::size_t bytes = prefix_.size() + key.size();
  for (const auto& tag : tags) bytes += prefix_.size() + kGenerationInfix.size() + tag.size();
  std::string keys;
  keys.reserve(bytes);  // no reallocation below: the views into it stay valid
  const auto add_key = [&](std::string_view infix, std::string_view name) {
    const std::size_t at = keys.size();
    keys.append(prefix_).append(infix).append(name);
    return std::string_view(keys).substr(at);
  };
  const std::size_t n = tags.size() + 1;
  std::array<std::array<std::string_view, 2>, kInlineCommands> inline_argv;
  std::array<std::span<const std::string_view>, kInlineCommands> inline_commands;
  std::vector<std::array<std::string_view, 2>> heap_argv;
  std::vector<std::span<const std::string_view>> heap_commands;
  std::span<std::array<std::string_view, 2>> argv(inline_argv);
  std::span<std::span<const std::string_view>> commands(inline_commands);
  if (n > kInlineCommands) {
    heap_argv.resize(n);
    heap_commands.resize(n);
    argv = heap_argv;
    commands = heap_commands;
  }
  argv[0] = {"GET", add_key({}, key)};
  for (std::size_t i = 0; i < tags.size(); ++i) argv[i + 1] = {"GET", add_key(kGenerationInfix, tags[i])};
  for (std::size_t i = 0; i < n; ++i) commands[i] = argv[i];
  auto results = co_await client_->pipeline(std::span<const std::span<const std::string_view>>(commands.first(n)));

  GetResult out;
  out.generations.reserve(tags.size());
  for (std::size_t i = 1; i < results.size(); ++i) {
    const auto generation = parse_generation(results[i]);
    if (!generation) {
      out.status = StoreStatus::kUnavailable;
      co_return out;
    }
    out.generations.push_back(*generation);
  }
  const redis::Result& result = results.front();
  if (result.ec || result.reply.is_error()) {
    out.status = StoreStatus::kUnavailable;
    co_return out;
  }
  if (result.reply.is_nil()) co_return out;
  if (result.reply.type != redis::ReplyType::kString) {
    out.status = StoreStatus::kUnavailable;  // not what GET answers: something is off
    co_return out;
  }
  EntryPtr entry = cache::decode_entry(result.reply.str());
  if (!entry) {
    corrupt_entries_.fetch_add(1, std::memory_order_relaxed);
    co_return out;
  }
  bool current = false;
  if (tags.empty() && !entry->tags.empty()) {
    // An admin lookup: check the entry against its own tags (a second round trip).
    std::vector<std::string> own;
    for (const auto& [tag, generation] : entry->tags) own.push_back(tag);
    const auto own_generations = co_await generations(own);
    if (!own_generations) {
      out.status = StoreStatus::kUnavailable;
      co_return out;
    }
    current = tags_current(*entry, own, *own_generations);
  } else {
    current = tags_current(*entry, tags, out.generations);
  }
  if (current) {
    out.entry = std::move(entry);
    out.status = StoreStatus::kOk;
  }
  co_return out;
}

net::awaitable<StoreStatus> RedisStore::put(std::string key, EntryPtr entry, std::chrono::milliseconds keep) {
  if (!entry) co_return StoreStatus::kUnavailable;
  if (keep.count() <= 0) co_return StoreStatus::kOk;  // nothing to keep
  const std::string full = full_key(key);
  const std::string value = cache::encode_entry(*entry);
  char ms[24];
  const auto [end, ec] = std::to_chars(ms, ms + sizeof(ms), keep.count());
  const std::array<std::string_view, 5> argv{"SET", full, value, "PX", std::string_view(ms, end - ms)};
  redis::Result result = co_await client_->command(argv);
  co_return result.ec || result.reply.is_error() ? StoreStatus::kUnavailable : StoreStatus::kOk;
}

net::awaitable<StoreStatus> RedisStore::del(std::string key) {
  // Entry keys never start with '@' (templates refuse it, values escape it): such a key
  // names a generation, the stats or a lock, whose loss would resurrect invalidated entries.
  if (key.starts_with(kInternalMark)) co_return StoreStatus::kNotFound;
  const std::string full = full_key(key);
  const std::array<std::string_view, 2> argv{"UNLINK", full};
  redis::Result result = co_await client_->command(argv);
  if (result.ec || result.reply.type != redis::ReplyType::kInteger) co_return StoreStatus::kUnavailable;
  co_return result.reply.integer > 0 ? StoreStatus::kOk : StoreStatus::kNotFound;
}

namespace {
// The prefix is matched literally: its glob characters are escaped for Redis MATCH.
std::string escape_glob(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}
}  // namespace

net::awaitable<CountResult> RedisStore::scan(const std::string& glob, bool remove) {
  CountResult out;
  const std::vector<std::string> nodes = client_->data_nodes();
  if (nodes.empty()) out.status = StoreStatus::kUnavailable;  // a topology not known yet
  for (const auto& node : nodes) {
    const CountResult part = co_await scan_node(node, glob, remove);
    out.count += part.count;
    if (part.status != StoreStatus::kOk) out.status = part.status;
  }
  co_return out;
}

net::awaitable<CountResult> RedisStore::scan_node(const std::string& node, const std::string& glob, bool remove) {
  const std::string match = escape_glob(prefix_) + glob;
  CountResult out;
  std::string cursor = "0";
  do {
    std::vector<std::string> scan_argv{"SCAN", cursor, "MATCH", match, "COUNT", kScanBatch};
    redis::Result step = co_await client_->command_at(node, std::move(scan_argv));
    if (step.ec || step.reply.type != redis::ReplyType::kArray || step.reply.elements.size() != 2 ||
        step.reply.elements[1].type != redis::ReplyType::kArray) {
      out.status = StoreStatus::kUnavailable;
      co_return out;
    }
    cursor = std::string(step.reply.elements[0].str());
    std::vector<std::string> unlink_argv{"UNLINK"};
    for (const auto& key : step.reply.elements[1].elements) {
      const auto name = key.str();
      if (name.size() > prefix_.size() && name[prefix_.size()] == kInternalMark) continue;  // generations, stats
      unlink_argv.emplace_back(name);
    }
    if (!remove || unlink_argv.size() == 1) {
      out.count += unlink_argv.size() - 1;
      continue;
    }
    redis::Result removed = co_await client_->command(std::move(unlink_argv));
    if (removed.ec || removed.reply.type != redis::ReplyType::kInteger) {
      out.status = StoreStatus::kUnavailable;
      co_return out;
    }
    out.count += static_cast<std::uint64_t>(removed.reply.integer);
  } while (cursor != "0");
  co_return out;
}

net::awaitable<CountResult> RedisStore::remove_matching(std::string glob) { co_return co_await scan(glob, true); }

net::awaitable<CountResult> RedisStore::count() { co_return co_await scan("*", false); }

net::awaitable<StoreStatus> RedisStore::invalidate_tag(std::string tag, std::uint64_t* generation) {
  const std::string key = generation_key(tag);
  const std::array<std::string_view, 2> argv{"INCR", key};
  redis::Result result = co_await client_->command(argv);
  if (result.ec || result.reply.type != redis::ReplyType::kInteger) co_return StoreStatus::kUnavailable;
  if (generation) *generation = static_cast<std::uint64_t>(result.reply.integer);
  co_return StoreStatus::kOk;
}

net::awaitable<std::optional<std::int64_t>> RedisStore::publish(std::string message) {
  const std::string name = channel();
  const std::array<std::string_view, 3> argv{"PUBLISH", name, message};
  redis::Result result = co_await client_->command(argv);
  if (result.ec || result.reply.type != redis::ReplyType::kInteger) co_return std::nullopt;
  co_return result.reply.integer;
}

net::awaitable<void> RedisStore::acknowledge(std::string id) {
  const std::string key = prefix_ + "@ack:" + id;
  std::vector<std::vector<std::string_view>> commands{{"INCR", key}, {"PEXPIRE", key, "10000"}};
  co_await client_->pipeline(std::move(commands));
}

net::awaitable<std::optional<std::int64_t>> RedisStore::acknowledgements(std::string id) {
  const std::string key = prefix_ + "@ack:" + id;
  const std::array<std::string_view, 2> argv{"GET", key};
  redis::Result result = co_await client_->command(argv);
  if (result.ec || result.reply.is_error()) co_return std::nullopt;
  if (result.reply.is_nil()) co_return 0;
  std::int64_t value = 0;
  const auto text = result.reply.str();
  std::from_chars(text.data(), text.data() + text.size(), value);
  co_return value;
}

net::awaitable<std::optional<std::string>> RedisStore::epoch(std::string candidate) {
  const std::string key = prefix_ + "@epoch";
  const std::array<std::string_view, 5> argv{"SET", key, candidate, "NX", "GET"};
  redis::Result result = co_await client_->command(argv);
  if (result.ec || result.reply.is_error()) co_return std::nullopt;
  if (result.reply.is_nil()) co_return candidate;  // there was none: ours now
  if (result.reply.type != redis::ReplyType::kString) co_return std::nullopt;
  co_return std::string(result.reply.str());
}

net::awaitable<LockResult> RedisStore::try_lock(std::string key, std::string token, std::chrono::milliseconds ttl) {
  const std::string lock_key = prefix_ + std::string(kLockInfix) + key;
  const std::string millis = std::to_string(std::max<std::int64_t>(1, ttl.count()));
  const std::array<std::string_view, 7> argv{"SET", lock_key, token, "NX", "PX", millis, "GET"};
  redis::Result result = co_await client_->command(argv);
  if (result.ec || result.reply.is_error()) co_return LockResult::kUnavailable;
  if (result.reply.is_nil()) co_return LockResult::kAcquired;  // there was no lock: ours now
  co_return result.reply.str() == kPassMarker ? LockResult::kPass : LockResult::kBusy;
}

net::awaitable<void> RedisStore::unlock(std::string key, std::string token, bool pass) {
  const std::string lock_key = prefix_ + std::string(kLockInfix) + key;
  const std::string pass_millis = std::to_string(kPassMarkerLifetime.count());
  const std::array<std::string_view, 7> argv{
      "EVAL", kUnlockScript, "1", lock_key, token, pass ? std::string_view("pass") : std::string_view("del"),
      pass_millis};
  // One retry: a lock left behind makes the next herd on this key wait out its TTL (up to
  // 1 s); a command that failed in a burst of timeouts often succeeds a moment later. If
  // both fail, the lock expires by itself.
  for (int attempt = 0; attempt < 2; ++attempt) {
    redis::Result result = co_await client_->command(argv);
    if (!result.ec && !result.reply.is_error()) break;
  }
}

net::awaitable<StoreStatus> RedisStore::add(Counters deltas) {
  std::vector<std::string> values;
  values.reserve(deltas.size());
  for (const auto& [name, delta] : deltas) values.push_back(std::to_string(delta));
  std::vector<std::vector<std::string_view>> commands;
  for (std::size_t i = 0; i < deltas.size(); ++i) {
    if (deltas[i].second != 0) commands.push_back({"HINCRBY", stats_key_, deltas[i].first, values[i]});
  }
  if (commands.empty()) co_return StoreStatus::kOk;
  const auto results = co_await client_->pipeline(std::move(commands));
  for (const auto& result : results) {
    if (result.ec || result.reply.type != redis::ReplyType::kInteger) co_return StoreStatus::kUnavailable;
  }
  co_return StoreStatus::kOk;
}

net::awaitable<std::optional<Counters>> RedisStore::read() {
  const std::array<std::string_view, 2> argv{"HGETALL", stats_key_};
  redis::Result result = co_await client_->command(argv);
  if (result.ec || result.reply.type != redis::ReplyType::kArray) co_return std::nullopt;
  Counters out;
  const auto& items = result.reply.elements;
  for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
    const auto text = items[i + 1].str();
    std::int64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    out.emplace_back(std::string(items[i].str()), value > 0 ? static_cast<std::uint64_t>(value) : 0);
  }
  co_return out;
}

net::awaitable<StoreStatus> RedisStore::reset() {
  const std::array<std::string_view, 2> argv{"UNLINK", stats_key_};
  redis::Result result = co_await client_->command(argv);
  co_return result.ec || result.reply.type != redis::ReplyType::kInteger ? StoreStatus::kUnavailable
                                                                          : StoreStatus::kOk;
}

Health RedisStore::health() const {
  const bool up = client_->connected();
  return Health{up, client_->breaker_state() != redis::BreakerState::kClosed, up ? "enabled" : "degraded"};
}

}  // namespace foilcache::store
