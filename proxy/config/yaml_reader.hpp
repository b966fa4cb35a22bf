// Reads typed values out of a parsed YAML document and collects every problem with its
// FILE:LINE:COL. The section readers (sections.hpp) are written against it; only the
// facade (config_loader.hpp) turns the errors into an exception.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy/config/config.hpp"
#include "proxy/config/values.hpp"

namespace foilcache::config {

// One value in the document with the position to blame for it.
struct Value {
  YAML::Node node;
  YAML::Mark mark;
  std::string name;  // the key it belongs to, for messages
};

// The known keys of one mapping, in file order, each at most once.
class Fields {
 public:
  void add(std::string name, Value value) { items_.emplace_back(std::move(name), std::move(value)); }
  // The value of key `name`; null when the mapping does not have it. Valid while this lives.
  const Value* get(std::string_view name) const {
    for (const auto& [key, value] : items_) {
      if (key == name) return &value;
    }
    return nullptr;
  }

 private:
  std::vector<std::pair<std::string, Value>> items_;
};

// Typed reads with error collection. Never throws on any document: a value that does not
// read is reported (at its line:col) and comes back as std::nullopt or empty. String
// values have ${VAR} substituted first (values.hpp). Not thread-safe; one per load.
class YamlReader {
 public:
  // `source` is FILE in messages; `env` resolves ${VAR} (kept by value, so a temporary
  // lookup cannot dangle).
  YamlReader(std::string source, EnvLookup env);

  // Splits `map` into its fields, reporting non-string, unknown (with a "did you mean"
  // for a close misspelling) and duplicate keys. The keys allowed are config_keys()'
  // entry for `section` (precondition: it has one); `where` names the mapping in
  // messages. A null node (an empty section) has no fields.
  Fields fields(const Value& map, std::string_view where, std::string_view section);

  // The scalar text after ${VAR} substitution; "" for null.
  std::optional<std::string> string(const Value& v);
  // Like string() but a missing value is an error: the text of a typed value.
  std::optional<std::string> typed_text(const Value& v);
  // "true" or "false".
  std::optional<bool> boolean(const Value& v);
  // A decimal integer in [min, max].
  std::optional<std::uint64_t> integer(const Value& v, std::uint64_t min, std::uint64_t max);
  // parse_duration(); 0 is an error unless `allow_zero`.
  std::optional<Duration> duration(const Value& v, bool allow_zero = false);
  // parse_size(); 0 is an error unless `allow_zero`.
  std::optional<std::size_t> size(const Value& v, bool allow_zero = false);
  // The items of a sequence, each named like `v`; null is an empty list.
  std::vector<Value> list(const Value& v);
  // A list of tags (letters, digits, '_', '-', '.'); invalid items are reported and left out.
  std::vector<std::string> tag_list(const Value& v);

  // Records `message` at the position of `at` (a null mark counts as 1:1).
  void error(const Value& at, std::string_view message);
  void error(const YAML::Mark& at, std::string_view message);
  // How many errors were recorded so far (to tell whether a part of the document read cleanly).
  std::size_t error_count() const { return errors_.size(); }
  // Every error recorded, "FILE:LINE:COL: message", sorted by position (stable: errors at
  // one position keep the order they were found in); leaves none behind.
  std::vector<std::string> take_errors();

 private:
  struct Located {
    int line;
    int column;
    std::string text;
  };

  std::string source_;
  EnvLookup env_;
  std::vector<Located> errors_;
};

// Reads field `name` of `f`, if present, with `parse` (a YamlReader read returning an
// optional) into `target`; leaves `target` as it was when the field is absent or invalid.
template <typename T, typename Parse>
void set_field(const Fields& f, std::string_view name, T& target, Parse&& parse) {
  if (const Value* v = f.get(name)) {
    if (auto parsed = parse(*v)) target = static_cast<T>(*parsed);
  }
}

}  // namespace foilcache::config
