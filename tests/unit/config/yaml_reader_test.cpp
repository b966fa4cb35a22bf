// YamlReader (yaml_reader.hpp) on small documents: each typed read against its good
// value and one bad value per case, the checks of a mapping's keys, and the errors'
// locations and order.
#include "proxy/config/yaml_reader.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <sstream>
#include <type_traits>

namespace foilcache::config {
namespace {

using Errors = std::vector<std::string>;

EnvLookup fake_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (name == "HOST") return "cache";
    if (name == "SEVEN") return "7";
    return std::nullopt;
  };
}

// The value of `key` in the mapping `doc`, positioned as fields() positions it (a null
// value at its key).
Value value_of(const YAML::Node& doc, const std::string& key) {
  for (const auto& item : doc) {
    if (item.first.Scalar() == key) {
      return Value{item.second, item.second.IsNull() ? item.first.Mark() : item.second.Mark(), key};
    }
  }
  ADD_FAILURE() << "no key " << key;
  return Value{};
}

// ---- typed values ----

enum class Read { kString, kBoolean, kInteger, kDuration, kDurationOrZero, kSize, kSizeOrZero, kList, kTags };

struct TypedCase {
  std::string name;
  Read read;
  std::string text;      // the YAML of the value on line 2, "value: TEXT" (column 8)
  std::string expected;  // the value read, printed by read_as_text(); "-" for none
  Errors errors;
};

void PrintTo(const TypedCase& c, std::ostream* os) { *os << c.name << " 'value: " << c.text << "'"; }

template <typename T>
std::string print(const std::optional<T>& v) {
  if (!v) return "-";
  std::ostringstream out;
  if constexpr (std::is_same_v<T, bool>) {
    out << (*v ? "true" : "false");
  } else if constexpr (std::is_same_v<T, Duration>) {
    out << v->count() << "ms";
  } else {
    out << *v;
  }
  return out.str();
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// Reads `v` as `read` and prints the result.
std::string read_as_text(YamlReader& in, Read read, const Value& v) {
  switch (read) {
    case Read::kString:
      return print(in.string(v));
    case Read::kBoolean:
      return print(in.boolean(v));
    case Read::kInteger:
      return print(in.integer(v, 1, 10));
    case Read::kDuration:
      return print(in.duration(v));
    case Read::kDurationOrZero:
      return print(in.duration(v, /*allow_zero=*/true));
    case Read::kSize:
      return print(in.size(v));
    case Read::kSizeOrZero:
      return print(in.size(v, /*allow_zero=*/true));
    case Read::kList: {
      std::vector<std::string> scalars;
      for (const Value& item : in.list(v)) scalars.push_back(item.node.IsNull() ? "~" : item.node.Scalar());
      return joined(scalars);
    }
    case Read::kTags:
      return joined(in.tag_list(v));
  }
  return "?";
}

class YamlReaderTypedValue : public ::testing::TestWithParam<TypedCase> {};

TEST_P(YamlReaderTypedValue, ReadsOrReportsAtTheValue) {
  const TypedCase& c = GetParam();
  const YAML::Node doc = YAML::Load("first: 1\nvalue: " + c.text + "\n");
  YamlReader in("test.yaml", fake_env());
  EXPECT_EQ(read_as_text(in, c.read, value_of(doc, "value")), c.expected);
  EXPECT_EQ(in.take_errors(), c.errors);
}

const TypedCase kTypedCases[] = {
    {"String", Read::kString, "plain", "plain", {}},
    {"StringQuoted", Read::kString, "'a: b'", "a: b", {}},
    {"StringSubstituted", Read::kString, "${HOST}:6379", "cache:6379", {}},
    {"StringNullIsEmpty", Read::kString, "", "", {}},
    {"StringUnsetVariable", Read::kString, "${NOPE}", "-", {"test.yaml:2:8: environment variable NOPE is not set"}},
    {"StringList", Read::kString, "[a]", "-", {"test.yaml:2:8: 'value' must be a string"}},
    {"StringMapping", Read::kString, "{a: 1}", "-", {"test.yaml:2:8: 'value' must be a string"}},

    {"BooleanTrue", Read::kBoolean, "true", "true", {}},
    {"BooleanFalse", Read::kBoolean, "false", "false", {}},
    {"BooleanSubstituted", Read::kBoolean, "${NOPE:-true}", "true", {}},
    {"BooleanCapitalized", Read::kBoolean, "True", "-",
     {"test.yaml:2:8: 'value' must be true or false, not 'True'"}},
    {"BooleanYes", Read::kBoolean, "yes", "-", {"test.yaml:2:8: 'value' must be true or false, not 'yes'"}},
    {"BooleanNumber", Read::kBoolean, "1", "-", {"test.yaml:2:8: 'value' must be true or false, not '1'"}},
    {"BooleanList", Read::kBoolean, "[true]", "-", {"test.yaml:2:8: 'value' must be a string"}},
    // A missing value has no position of its own: the key's is used.
    {"BooleanMissing", Read::kBoolean, "", "-", {"test.yaml:2:1: 'value' has no value"}},

    {"IntegerInRange", Read::kInteger, "5", "5", {}},
    {"IntegerMin", Read::kInteger, "1", "1", {}},
    {"IntegerMax", Read::kInteger, "10", "10", {}},
    {"IntegerQuoted", Read::kInteger, "'5'", "5", {}},
    {"IntegerSubstituted", Read::kInteger, "${SEVEN}", "7", {}},
    {"IntegerBelowMin", Read::kInteger, "0", "-", {"test.yaml:2:8: 'value' must be an integer from 1 to 10, not '0'"}},
    {"IntegerAboveMax", Read::kInteger, "11", "-",
     {"test.yaml:2:8: 'value' must be an integer from 1 to 10, not '11'"}},
    {"IntegerNegative", Read::kInteger, "-1", "-",
     {"test.yaml:2:8: 'value' must be an integer from 1 to 10, not '-1'"}},
    {"IntegerHex", Read::kInteger, "0x5", "-", {"test.yaml:2:8: 'value' must be an integer from 1 to 10, not '0x5'"}},
    {"IntegerFraction", Read::kInteger, "5.0", "-",
     {"test.yaml:2:8: 'value' must be an integer from 1 to 10, not '5.0'"}},
    {"IntegerOverflow", Read::kInteger, "18446744073709551616", "-",
     {"test.yaml:2:8: 'value' must be an integer from 1 to 10, not '18446744073709551616'"}},
    {"IntegerMissing", Read::kInteger, "", "-", {"test.yaml:2:1: 'value' has no value"}},

    {"Duration", Read::kDuration, "1h30m", "5400000ms", {}},
    {"DurationIntegerSeconds", Read::kDuration, "30", "30000ms", {}},
    {"DurationZero", Read::kDuration, "0", "-", {"test.yaml:2:8: 'value' must be greater than 0"}},
    {"DurationZeroWithUnit", Read::kDuration, "0s", "-", {"test.yaml:2:8: 'value' must be greater than 0"}},
    {"DurationZeroAllowed", Read::kDurationOrZero, "0", "0ms", {}},
    {"DurationBadUnit", Read::kDuration, "5d", "-",
     {"test.yaml:2:8: invalid duration '5d' for 'value' (expected e.g. 250ms, 30s, 5m, 1h or integer seconds)"}},
    {"DurationBadUnitZeroAllowed", Read::kDurationOrZero, "5d", "-",
     {"test.yaml:2:8: invalid duration '5d' for 'value' (expected e.g. 250ms, 30s, 5m, 1h or integer seconds)"}},
    {"DurationMissing", Read::kDuration, "", "-", {"test.yaml:2:1: 'value' has no value"}},

    {"Size", Read::kSize, "64KiB", "65536", {}},
    {"SizeZero", Read::kSize, "0", "-", {"test.yaml:2:8: 'value' must be greater than 0"}},
    {"SizeZeroAllowed", Read::kSizeOrZero, "0", "0", {}},
    {"SizeBadUnit", Read::kSize, "64K", "-",
     {"test.yaml:2:8: invalid size '64K' for 'value' (expected e.g. 65536, 64KiB, 8MiB, 1GiB, 5MB)"}},
    {"SizeOverflow", Read::kSize, "16777216TiB", "-",
     {"test.yaml:2:8: invalid size '16777216TiB' for 'value' (expected e.g. 65536, 64KiB, 8MiB, 1GiB, 5MB)"}},

    {"List", Read::kList, "[a, b]", "a,b", {}},
    {"ListNullItem", Read::kList, "[a, ~]", "a,~", {}},
    {"ListNullIsEmpty", Read::kList, "", "", {}},
    {"ListScalar", Read::kList, "a", "", {"test.yaml:2:8: 'value' must be a list"}},
    {"ListMapping", Read::kList, "{a: 1}", "", {"test.yaml:2:8: 'value' must be a list"}},

    {"Tags", Read::kTags, "[a, b.c, d-e_f]", "a,b.c,d-e_f", {}},
    {"TagsSubstituted", Read::kTags, "['${HOST}']", "cache", {}},
    // Each bad item is reported at its own position and left out; the good ones stay.
    {"TagsWithBadItems", Read::kTags, "[a, 'b c', '']", "a",
     {"test.yaml:2:12: invalid tag 'b c' (letters, digits, '_', '-', '.')",
      "test.yaml:2:19: invalid tag '' (letters, digits, '_', '-', '.')"}},
    // A null item has no position: the list's is used.
    {"TagsNullItem", Read::kTags, "[a, ~]", "a", {"test.yaml:2:8: invalid tag '' (letters, digits, '_', '-', '.')"}},
    {"TagsNotAList", Read::kTags, "a", "", {"test.yaml:2:8: 'value' must be a list"}},
};

INSTANTIATE_TEST_SUITE_P(Cases, YamlReaderTypedValue, ::testing::ValuesIn(kTypedCases),
                         [](const auto& info) { return info.param.name; });

// ---- the keys of a mapping ----

// A good `l1` section; each case replaces one piece of it.
constexpr const char* kGoodSection =
    "l1:\n"
    "  enabled: true\n"
    "  max_bytes: 64KiB\n"
    "  max_staleness: 2s\n";

struct FieldsCase {
  std::string name;
  std::string from;
  std::string to;
  std::vector<std::string> present;  // the keys fields() hands out, in table order
  Errors errors;
};

void PrintTo(const FieldsCase& c, std::ostream* os) { *os << c.name; }

class YamlReaderFields : public ::testing::TestWithParam<FieldsCase> {};

TEST_P(YamlReaderFields, ChecksTheKeys) {
  const FieldsCase& c = GetParam();
  std::string yaml = kGoodSection;
  const auto at = yaml.find(c.from);
  ASSERT_NE(at, std::string::npos) << c.from;
  yaml.replace(at, c.from.size(), c.to);
  const YAML::Node doc = YAML::Load(yaml);
  YamlReader in("test.yaml", fake_env());
  const Fields top = in.fields(Value{doc, doc.Mark(), "config"}, "the top level", "");
  ASSERT_NE(top.get("l1"), nullptr);
  const Fields l1 = in.fields(*top.get("l1"), "l1", "l1");
  std::vector<std::string> present;
  for (const char* key : {"enabled", "max_bytes", "max_staleness"}) {
    if (l1.get(key) != nullptr) present.push_back(key);
  }
  EXPECT_EQ(present, c.present);
  EXPECT_EQ(in.take_errors(), c.errors);
}

const std::vector<std::string> kAllKeys{"enabled", "max_bytes", "max_staleness"};

const FieldsCase kFieldsCases[] = {
    {"Good", "", "", kAllKeys, {}},
    {"MisspelledSuggestsTheKey", "max_bytes:", "max_bytse:", {"enabled", "max_staleness"},
     {"test.yaml:3:3: unknown key 'max_bytse' in l1 (did you mean 'max_bytes'?)"}},
    {"MissingLetterSuggestsTheKey", "enabled:", "enabld:", {"max_bytes", "max_staleness"},
     {"test.yaml:2:3: unknown key 'enabld' in l1 (did you mean 'enabled'?)"}},
    // Three edits away is not a misspelling.
    {"FarOffKeyHasNoSuggestion", "max_bytes:", "max_b:", {"enabled", "max_staleness"},
     {"test.yaml:3:3: unknown key 'max_b' in l1"}},
    {"UnrelatedKeyHasNoSuggestion", "max_bytes:", "colour:", {"enabled", "max_staleness"},
     {"test.yaml:3:3: unknown key 'colour' in l1"}},
    // A key of another section is unknown here.
    {"KeyOfAnotherSection", "max_bytes:", "timeout:", {"enabled", "max_staleness"},
     {"test.yaml:3:3: unknown key 'timeout' in l1"}},
    // The first occurrence counts; the second is reported at its key.
    {"DuplicateKey", "  max_staleness: 2s\n", "  max_staleness: 2s\n  enabled: false\n", kAllKeys,
     {"test.yaml:5:3: duplicate key 'enabled' in l1"}},
    {"NonStringKey", "  max_staleness: 2s\n", "  max_staleness: 2s\n  [a]: 1\n", kAllKeys,
     {"test.yaml:5:3: keys in l1 must be strings"}},
    {"NotAMapping", "\n  enabled: true\n  max_bytes: 64KiB\n  max_staleness: 2s\n", " 5\n", {},
     {"test.yaml:1:5: 'l1' must be a mapping"}},
    {"EmptySectionHasNoFields", "\n  enabled: true\n  max_bytes: 64KiB\n  max_staleness: 2s\n", "\n", {}, {}},
};

INSTANTIATE_TEST_SUITE_P(Cases, YamlReaderFields, ::testing::ValuesIn(kFieldsCases),
                         [](const auto& info) { return info.param.name; });

TEST(YamlReaderFieldValues, NullValueIsPositionedAtItsKey) {
  const YAML::Node doc = YAML::Load("l1:\n  max_bytes: 1KiB\n  enabled:\n");
  YamlReader in("test.yaml", fake_env());
  const Fields l1 = in.fields(value_of(doc, "l1"), "l1", "l1");
  ASSERT_NE(l1.get("enabled"), nullptr);
  EXPECT_EQ(in.boolean(*l1.get("enabled")), std::nullopt);
  EXPECT_EQ(in.take_errors(), Errors{"test.yaml:3:3: 'enabled' has no value"});
}

TEST(YamlReaderFieldValues, EachValueIsNamedAfterItsKey) {
  const YAML::Node doc = YAML::Load("l1:\n  max_bytes: lots\n");
  YamlReader in("test.yaml", fake_env());
  const Fields l1 = in.fields(value_of(doc, "l1"), "l1", "l1");
  ASSERT_NE(l1.get("max_bytes"), nullptr);
  EXPECT_EQ(l1.get("max_bytes")->name, "max_bytes");
  EXPECT_EQ(in.size(*l1.get("max_bytes")), std::nullopt);
  EXPECT_EQ(in.take_errors(), Errors{"test.yaml:2:14: invalid size 'lots' for 'max_bytes' "
                                     "(expected e.g. 65536, 64KiB, 8MiB, 1GiB, 5MB)"});
}

// ---- the errors ----

YAML::Mark mark_at(int line, int column) {
  YAML::Mark mark;
  mark.line = line;
  mark.column = column;
  return mark;
}

TEST(YamlReaderErrors, TakenInFileOrderWhateverOrderTheyWereFound) {
  YamlReader in("f.yaml", fake_env());
  in.error(mark_at(2, 0), "third");
  in.error(mark_at(0, 4), "second, found first");
  in.error(mark_at(0, 4), "second, found second");
  in.error(YAML::Mark(), "first: a null mark is 1:1");
  in.error(mark_at(0, 0), "also 1:1, found later");
  EXPECT_EQ(in.error_count(), 5u);
  EXPECT_EQ(in.take_errors(), (Errors{"f.yaml:1:1: first: a null mark is 1:1", "f.yaml:1:1: also 1:1, found later",
                                      "f.yaml:1:5: second, found first", "f.yaml:1:5: second, found second",
                                      "f.yaml:3:1: third"}));
  EXPECT_EQ(in.error_count(), 0u);
  EXPECT_EQ(in.take_errors(), Errors{});
}

TEST(YamlReaderErrors, ReadsOfALaterLineFirstStillComeOutInFileOrder) {
  const YAML::Node doc = YAML::Load("a: x\nb: y\n");
  YamlReader in("test.yaml", fake_env());
  EXPECT_EQ(in.boolean(value_of(doc, "b")), std::nullopt);
  EXPECT_EQ(in.duration(value_of(doc, "a")), std::nullopt);
  EXPECT_EQ(in.take_errors(),
            (Errors{"test.yaml:1:4: invalid duration 'x' for 'a' "
                    "(expected e.g. 250ms, 30s, 5m, 1h or integer seconds)",
                    "test.yaml:2:4: 'b' must be true or false, not 'y'"}));
}

TEST(YamlReaderErrors, EveryProblemOfOneValueIsKept) {
  const YAML::Node doc = YAML::Load("a: ${NOPE}${1}\n");
  YamlReader in("test.yaml", fake_env());
  EXPECT_EQ(in.string(value_of(doc, "a")), std::nullopt);
  EXPECT_EQ(in.take_errors(), (Errors{"test.yaml:1:4: environment variable NOPE is not set",
                                      "test.yaml:1:4: invalid environment variable name '1'"}));
}

}  // namespace
}  // namespace foilcache::config
