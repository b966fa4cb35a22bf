#include "proxy/cache/redis_store.hpp"

#include <array>
#include <charconv>
#include <vector>

namespace foilcache::cache {

RedisStore::RedisStore(std::shared_ptr<redis::RedisClient> client, std::string prefix)
    : client_(std::move(client)), prefix_(std::move(prefix)) {}

std::string RedisStore::full_key(std::string_view key) const {
  std::string full;
  full.reserve(prefix_.size() + key.size());
  full.append(prefix_).append(key);
  return full;
}

net::awaitable<GetResult> RedisStore::get(std::string key) {
  const std::string full = full_key(key);
  const std::array<std::string_view, 2> argv{"GET", full};
  redis::Result result = co_await client_->command(argv);
  GetResult out;
  if (result.ec || result.reply.is_error()) {
    out.status = StoreStatus::kUnavailable;
  } else if (result.reply.type == redis::ReplyType::kString) {
    out.entry = decode_entry(result.reply.str());
    if (out.entry) {
      out.status = StoreStatus::kOk;
    } else {
      corrupt_entries_.fetch_add(1, std::memory_order_relaxed);
    }
  } else if (!result.reply.is_nil()) {
    out.status = StoreStatus::kUnavailable;  // not what GET answers: something is off
  }
  co_return out;
}

net::awaitable<StoreStatus> RedisStore::put(std::string key, EntryPtr entry, std::chrono::milliseconds keep) {
  if (!entry) co_return StoreStatus::kUnavailable;
  if (keep.count() <= 0) co_return StoreStatus::kOk;  // nothing to keep
  const std::string full = full_key(key);
  const std::string value = encode_entry(*entry);
  char ms[24];
  const auto [end, ec] = std::to_chars(ms, ms + sizeof(ms), keep.count());
  const std::array<std::string_view, 5> argv{"SET", full, value, "PX", std::string_view(ms, end - ms)};
  redis::Result result = co_await client_->command(argv);
  co_return result.ec || result.reply.is_error() ? StoreStatus::kUnavailable : StoreStatus::kOk;
}

net::awaitable<StoreStatus> RedisStore::del(std::string key) {
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
  const std::string match = escape_glob(prefix_) + glob;
  CountResult out;
  std::string cursor = "0";
  do {
    std::vector<std::string> scan_argv{"SCAN", cursor, "MATCH", match, "COUNT", kScanBatch};
    redis::Result step = co_await client_->command(std::move(scan_argv));
    if (step.ec || step.reply.type != redis::ReplyType::kArray || step.reply.elements.size() != 2 ||
        step.reply.elements[1].type != redis::ReplyType::kArray) {
      out.status = StoreStatus::kUnavailable;
      co_return out;
    }
    cursor = std::string(step.reply.elements[0].str());
    const auto& keys = step.reply.elements[1].elements;
    if (!remove || keys.empty()) {
      out.count += keys.size();
      continue;
    }
    std::vector<std::string> unlink_argv{"UNLINK"};
    unlink_argv.reserve(keys.size() + 1);
    for (const auto& key : keys) unlink_argv.emplace_back(key.str());
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

StoreFactory make_redis_store_factory(config::RedisConfig config, redis::LogFn log) {
  return [config = std::move(config), log = std::move(log)](net::io_context& ioc) -> std::unique_ptr<Store> {
    auto client = std::make_shared<redis::RedisClient>(ioc, config, log);
    client->start();
    std::string prefix = config.prefix;
    return std::make_unique<RedisStore>(std::move(client), std::move(prefix));
  };
}

}  // namespace foilcache::cache
