#include "proxy/config/yaml_reader.hpp"

#include <algorithm>
#include <functional>
#include <set>
#include <sstream>
#include <tuple>

#include "proxy/config/config_keys.hpp"

namespace foilcache::config {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean 'KEY'?)" for the first allowed key closest to `name`, "" when none is close.
std::string suggestion(std::string_view name, const std::vector<std::string_view>& allowed) {
  std::string_view best;
  std::size_t best_distance = 3;  // suggest only close misspellings
  for (const auto candidate : allowed) {
    const auto distance = edit_distance(name, candidate);
    if (distance < best_distance && distance < candidate.size()) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best.empty() ? std::string() : " (did you mean " + quoted(best) + "?)";
}

}  // namespace

YamlReader::YamlReader(std::string source, EnvLookup env) : source_(std::move(source)), env_(std::move(env)) {}

void YamlReader::error(const YAML::Mark& at, std::string_view message) {
  const int line = at.is_null() ? 0 : at.line;
  const int column = at.is_null() ? 0 : at.column;
  std::ostringstream out;
  out << source_ << ':' << line + 1 << ':' << column + 1 << ": " << message;
  errors_.push_back(Located{line, column, out.str()});
}

void YamlReader::error(const Value& at, std::string_view message) { error(at.mark, message); }

std::vector<std::string> YamlReader::take_errors() {
  // File order, whatever order the sections were checked in.
  std::stable_sort(errors_.begin(), errors_.end(), [](const Located& a, const Located& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  std::vector<std::string> messages;
  messages.reserve(errors_.size());
  for (auto& e : errors_) messages.push_back(std::move(e.text));
  errors_.clear();
  return messages;
}

Fields YamlReader::fields(const Value& map, std::string_view where, std::string_view section) {
  const std::vector<std::string_view>& allowed = keys_of(section);
  Fields result;
  if (!map.node || map.node.IsNull()) return result;
  if (!map.node.IsMap()) {
    error(map, quoted(map.name) + " must be a mapping");
    return result;
  }
  std::set<std::string, std::less<>> seen;
  for (const auto& item : map.node) {
    const YAML::Node& key = item.first;
    const YAML::Node& value = item.second;
    if (!key.IsScalar()) {
      error(key.Mark(), std::string("keys in ") + std::string(where) + " must be strings");
      continue;
    }
    const std::string& name = key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      error(key.Mark(), "unknown key " + quoted(name) + " in " + std::string(where) + suggestion(name, allowed));
      continue;
    }
    if (!seen.insert(name).second) {
      error(key.Mark(), "duplicate key " + quoted(name) + " in " + std::string(where));
      continue;
    }
    // A null value has no position of its own (yaml-cpp points at the next token).
    const YAML::Mark mark = value.IsNull() ? key.Mark() : value.Mark();
    result.add(name, Value{value, mark, name});
  }
  return result;
}

std::optional<std::string> YamlReader::string(const Value& v) {
  if (!v.node || v.node.IsNull()) return std::string();
  if (!v.node.IsScalar()) {
    error(v, quoted(v.name) + " must be a string");
    return std::nullopt;
  }
  std::vector<std::string> problems;
  std::string text = substitute_env(v.node.Scalar(), env_, problems);
  for (const auto& problem : problems) error(v, problem);
  if (!problems.empty()) return std::nullopt;
  return text;
}

std::optional<std::string> YamlReader::typed_text(const Value& v) {
  if (!v.node || v.node.IsNull()) {
    error(v, quoted(v.name) + " has no value");
    return std::nullopt;
  }
  return string(v);
}

std::optional<bool> YamlReader::boolean(const Value& v) {
  const auto text = typed_text(v);
  if (!text) return std::nullopt;
  if (*text == "true") return true;
  if (*text == "false") return false;
  error(v, quoted(v.name) + " must be true or false, not " + quoted(*text));
  return std::nullopt;
}

std::optional<std::uint64_t> YamlReader::integer(const Value& v, std::uint64_t min, std::uint64_t max) {
  const auto text = typed_text(v);
  if (!text) return std::nullopt;
  const auto number = parse_uint(*text);
  if (!number || *number < min || *number > max) {
    error(v, quoted(v.name) + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                 ", not " + quoted(*text));
    return std::nullopt;
  }
  return number;
}

std::optional<Duration> YamlReader::duration(const Value& v, bool allow_zero) {
  const auto text = typed_text(v);
  if (!text) return std::nullopt;
  const auto parsed = parse_duration(*text);
  if (!parsed) {
    error(v, "invalid duration " + quoted(*text) + " for " + quoted(v.name) +
                 " (expected e.g. 250ms, 30s, 5m, 1h or integer seconds)");
    return std::nullopt;
  }
  if (!allow_zero && parsed->count() == 0) {
    error(v, quoted(v.name) + " must be greater than 0");
    return std::nullopt;
  }
  return parsed;
}

std::optional<std::size_t> YamlReader::size(const Value& v, bool allow_zero) {
  const auto text = typed_text(v);
  if (!text) return std::nullopt;
  const auto parsed = parse_size(*text);
  if (!parsed) {
    error(v, "invalid size " + quoted(*text) + " for " + quoted(v.name) +
                 " (expected e.g. 65536, 64KiB, 8MiB, 1GiB, 5MB)");
    return std::nullopt;
  }
  if (!allow_zero && *parsed == 0) {
    error(v, quoted(v.name) + " must be greater than 0");
    return std::nullopt;
  }
  return parsed;
}

std::vector<Value> YamlReader::list(const Value& v) {
  std::vector<Value> items;
  if (!v.node || v.node.IsNull()) return items;
  if (!v.node.IsSequence()) {
    error(v, quoted(v.name) + " must be a list");
    return items;
  }
  for (const auto& item : v.node) {
    items.push_back(Value{item, item.IsNull() ? v.mark : item.Mark(), v.name});
  }
  return items;
}

std::vector<std::string> YamlReader::tag_list(const Value& v) {
  std::vector<std::string> tags;
  for (const auto& item : list(v)) {
    auto tag = string(item);
    if (!tag) continue;
    if (tag->empty() || !std::all_of(tag->begin(), tag->end(), is_tag_char)) {
      error(item, "invalid tag " + quoted(*tag) + " (letters, digits, '_', '-', '.')");
      continue;
    }
    tags.push_back(std::move(*tag));
  }
  return tags;
}

}  // namespace foilcache::config
