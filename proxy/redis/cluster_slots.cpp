#include "proxy/redis/cluster_slots.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "common/text.hpp"

namespace foilcache::redis {
namespace {

// CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0 (the cluster specification's).
constexpr std::array<std::uint16_t, 256> make_crc_table() {
  std::array<std::uint16_t, 256> table{};
  for (std::uint32_t byte = 0; byte < 256; ++byte) {
    std::uint16_t crc = static_cast<std::uint16_t>(byte << 8);
    for (int bit = 0; bit < 8; ++bit) crc = static_cast<std::uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
    table[byte] = crc;
  }
  return table;
}
constexpr std::array<std::uint16_t, 256> kCrcTable = make_crc_table();

std::uint16_t crc16(std::string_view bytes) {
  std::uint16_t crc = 0;
  for (const char c : bytes) {
    crc = static_cast<std::uint16_t>((crc << 8) ^ kCrcTable[((crc >> 8) ^ static_cast<unsigned char>(c)) & 0xff]);
  }
  return crc;
}

template <typename Int>
std::optional<Int> parse_int(std::string_view text) {
  Int value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// "host:port" (the last ':' splits: an IPv6 host keeps its own); an empty host is `asked_host`.
std::optional<Endpoint> parse_address(std::string_view text, std::string_view asked_host) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto port = parse_int<std::uint16_t>(text.substr(colon + 1));
  if (!port || *port == 0) return std::nullopt;
  std::string host(colon == 0 ? asked_host : text.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) return std::nullopt;
  return Endpoint{std::move(host), *port};
}

// Whether a command's name is one of `names` (case-insensitively, as Redis reads it).
bool is_command(std::string_view name, std::initializer_list<std::string_view> names) {
  return std::any_of(names.begin(), names.end(), [&](std::string_view n) { return common::iequals(name, n); });
}

}  // namespace

std::uint16_t key_slot(std::string_view key) {
  const auto open = key.find('{');
  if (open != std::string_view::npos) {
    const auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close != open + 1) key = key.substr(open + 1, close - open - 1);
  }
  return static_cast<std::uint16_t>(crc16(key) % kSlotCount);
}

std::optional<std::string_view> routing_key(std::span<const std::string_view> argv) {
  if (argv.size() < 2) return std::nullopt;
  const std::string_view name = argv[0];
  if (is_command(name, {"EVAL", "EVALSHA"})) {
    if (argv.size() < 4) return std::nullopt;
    const auto keys = parse_int<std::uint32_t>(argv[2]);
    if (!keys || *keys == 0) return std::nullopt;
    return argv[3];
  }
  // The keyless commands foilcache sends (PUBLISH's channel is not a key; SCAN goes to a
  // named node). Nothing here sends a database-wide command (FLUSHDB, FLUSHALL).
  if (is_command(name, {"PING", "PUBLISH", "ROLE", "CLUSTER", "SCAN", "ASKING", "SUBSCRIBE", "AUTH", "SELECT"})) {
    return std::nullopt;
  }
  return argv[1];
}

bool is_summed_multi_key(std::span<const std::string_view> argv) {
  return argv.size() > 2 && is_command(argv[0], {"DEL", "UNLINK", "EXISTS", "TOUCH"});
}

SplitPipeline split_cross_slot(std::vector<std::vector<std::string>> commands) {
  SplitPipeline out;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    auto& argv = commands[i];
    const std::vector<std::string_view> views(argv.begin(), argv.end());
    const bool one_slot = views.size() < 2 || std::all_of(views.begin() + 2, views.end(), [&](std::string_view key) {
                            return key_slot(key) == key_slot(views[1]);
                          });
    if (!is_summed_multi_key(views) || one_slot) {
      out.commands.push_back(std::move(argv));
      out.origin.push_back(i);
      continue;
    }
    for (std::size_t k = 1; k < argv.size(); ++k) {
      out.commands.push_back({argv[0], argv[k]});
      out.origin.push_back(i);
    }
  }
  return out;
}

std::vector<Result> fold_answers(const SplitPipeline& split, std::vector<Result> answers, std::size_t count) {
  std::vector<Result> out(count);
  std::vector<bool> seen(count, false);
  for (std::size_t j = 0; j < answers.size() && j < split.origin.size(); ++j) {
    Result& into = out[split.origin[j]];
    const bool failed = answers[j].ec || answers[j].reply.type != ReplyType::kInteger;
    const bool into_failed = into.ec || into.reply.type != ReplyType::kInteger;
    if (!seen[split.origin[j]] || (failed && !into_failed)) {
      into = std::move(answers[j]);
    } else if (!into_failed) {
      into.reply.integer += answers[j].reply.integer;
    }
    seen[split.origin[j]] = true;
  }
  return out;
}

Redirect parse_redirect(std::string_view error, std::string_view asked_host) {
  Redirect out;
  const auto space = error.find(' ');
  const std::string_view word = error.substr(0, space);
  if (word == "TRYAGAIN") out.kind = Redirect::Kind::kTryAgain;
  if (word == "CLUSTERDOWN") out.kind = Redirect::Kind::kClusterDown;
  if (word != "MOVED" && word != "ASK") return out;
  if (space == std::string_view::npos) return out;
  const std::string_view rest = error.substr(space + 1);
  const auto gap = rest.find(' ');
  if (gap == std::string_view::npos) return out;
  const auto slot = parse_int<std::uint16_t>(rest.substr(0, gap));
  const auto target = parse_address(rest.substr(gap + 1), asked_host);
  if (!slot || *slot >= kSlotCount || !target) return out;
  out.kind = word == "MOVED" ? Redirect::Kind::kMoved : Redirect::Kind::kAsk;
  out.slot = *slot;
  out.target = *target;
  return out;
}

std::optional<SlotTable> SlotTable::from_cluster_slots(const Reply& reply, std::string_view asked_host) {
  if (reply.type != ReplyType::kArray) return std::nullopt;
  SlotTable table;
  bool any = false;
  for (const Reply& range : reply.elements) {
    if (range.type != ReplyType::kArray || range.elements.size() < 3) return std::nullopt;
    const Reply& first = range.elements[0];
    const Reply& last = range.elements[1];
    const Reply& node = range.elements[2];
    if (first.type != ReplyType::kInteger || last.type != ReplyType::kInteger || node.type != ReplyType::kArray ||
        node.elements.size() < 2 || node.elements[1].type != ReplyType::kInteger) {
      return std::nullopt;
    }
    if (first.integer < 0 || last.integer < first.integer || last.integer >= kSlotCount) return std::nullopt;
    const std::int64_t port = node.elements[1].integer;
    if (port <= 0 || port > 65535) return std::nullopt;
    std::string host(node.elements[0].str());
    if (host.empty() || host == "?") host = std::string(asked_host);
    const std::uint16_t index = table.index_of(Endpoint{std::move(host), static_cast<std::uint16_t>(port)});
    std::fill(table.owner_.begin() + first.integer, table.owner_.begin() + last.integer + 1, index);
    any = true;
  }
  if (!any) return std::nullopt;
  return table;
}

const Endpoint* SlotTable::master(std::uint16_t slot) const {
  if (slot >= kSlotCount || owner_[slot] == kNoMaster) return nullptr;
  return &nodes_[owner_[slot]];
}

void SlotTable::assign(std::uint16_t slot, const Endpoint& endpoint) {
  if (slot < kSlotCount) owner_[slot] = index_of(endpoint);
}

std::vector<Endpoint> SlotTable::masters() const {
  std::vector<bool> used(nodes_.size(), false);
  for (const std::uint16_t index : owner_) {
    if (index != kNoMaster) used[index] = true;
  }
  std::vector<Endpoint> out;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (used[i]) out.push_back(nodes_[i]);
  }
  return out;
}

bool SlotTable::complete() const {
  return std::none_of(owner_.begin(), owner_.end(), [](std::uint16_t index) { return index == kNoMaster; });
}

bool SlotTable::operator==(const SlotTable& other) const {
  for (std::size_t slot = 0; slot < kSlotCount; ++slot) {
    const Endpoint* a = master(static_cast<std::uint16_t>(slot));
    const Endpoint* b = other.master(static_cast<std::uint16_t>(slot));
    if ((a == nullptr) != (b == nullptr) || (a != nullptr && a->name() != b->name())) return false;
  }
  return true;
}

std::uint16_t SlotTable::index_of(const Endpoint& endpoint) {
  const auto it = std::find_if(nodes_.begin(), nodes_.end(), [&](const Endpoint& e) { return e.name() == endpoint.name(); });
  if (it != nodes_.end()) return static_cast<std::uint16_t>(it - nodes_.begin());
  nodes_.push_back(endpoint);
  return static_cast<std::uint16_t>(nodes_.size() - 1);
}

}  // namespace foilcache::redis
