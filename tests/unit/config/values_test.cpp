// The pure value grammars of the config file (values.hpp): every case is one text, the
// edges each grammar draws (zero, the largest value, the first that overflows, compound
// units, unit spellings) and the substitution rules of ${VAR}.
#include "proxy/config/values.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>
#include <map>

namespace foilcache::config {
namespace {

constexpr std::uint64_t kHundredYearsMs = 100ULL * 365 * 24 * 3600 * 1000;

// ---- durations ----

struct DurationCase {
  std::string name;
  std::string text;
  std::optional<Duration> expected;
};

void PrintTo(const DurationCase& c, std::ostream* os) { *os << c.name << " '" << c.text << "'"; }

class ValuesDuration : public ::testing::TestWithParam<DurationCase> {};

TEST_P(ValuesDuration, Parses) { EXPECT_EQ(parse_duration(GetParam().text), GetParam().expected); }

const DurationCase kDurationCases[] = {
    // Zero is a duration; whether it is allowed is the reader's business.
    {"Zero", "0", Duration(0)},
    {"ZeroSeconds", "0s", Duration(0)},
    {"ZeroMilliseconds", "0ms", Duration(0)},
    {"IntegerSeconds", "30", Duration(30'000)},
    {"LeadingZeros", "007s", Duration(7'000)},
    {"Milliseconds", "250ms", Duration(250)},
    {"Seconds", "30s", Duration(30'000)},
    {"Minutes", "5m", Duration(300'000)},
    {"Hours", "1h", Duration(3'600'000)},
    {"HoursMinutes", "1h30m", Duration(5'400'000)},
    {"EveryUnit", "1h1m1s1ms", Duration(3'661'001)},
    {"SkippedUnit", "2h5s", Duration(7'205'000)},
    {"MinutesSecondsMilliseconds", "1m30s500ms", Duration(90'500)},
    // The cap: 100 years, however it is written.
    {"MaxIntegerSeconds", "3153600000", Duration(kHundredYearsMs)},
    {"OverMaxIntegerSeconds", "3153600001", std::nullopt},
    {"MaxMilliseconds", "3153600000000ms", Duration(kHundredYearsMs)},
    {"OverMaxMilliseconds", "3153600000001ms", std::nullopt},
    {"MaxHours", "876000h", Duration(kHundredYearsMs)},
    {"CompoundOverMax", "876000h1ms", std::nullopt},
    {"HugeHours", "999999999999h", std::nullopt},
    {"Overflows64Bits", "99999999999999999999s", std::nullopt},
    // Units must strictly decrease.
    {"UnitsAscending", "30m1h", std::nullopt},
    {"UnitRepeated", "1m1m", std::nullopt},
    {"MillisecondsThenSeconds", "5ms30s", std::nullopt},
    // Spellings that are not durations.
    {"Empty", "", std::nullopt},
    {"UnitOnly", "s", std::nullopt},
    {"MillisecondUnitOnly", "ms", std::nullopt},
    {"Days", "5d", std::nullopt},
    {"Microseconds", "5us", std::nullopt},
    {"UpperCaseUnit", "5S", std::nullopt},
    {"WordUnit", "5sec", std::nullopt},
    {"TrailingNumber", "1h30", std::nullopt},
    {"SpaceBeforeUnit", "5 s", std::nullopt},
    {"LeadingSpace", " 5s", std::nullopt},
    {"TrailingSpace", "5s ", std::nullopt},
    {"Fraction", "1.5s", std::nullopt},
    {"Negative", "-5s", std::nullopt},
    {"Plus", "+5s", std::nullopt},
};

INSTANTIATE_TEST_SUITE_P(Cases, ValuesDuration, ::testing::ValuesIn(kDurationCases),
                         [](const auto& info) { return info.param.name; });

// ---- sizes ----

struct SizeCase {
  std::string name;
  std::string text;
  std::optional<std::size_t> expected;
};

void PrintTo(const SizeCase& c, std::ostream* os) { *os << c.name << " '" << c.text << "'"; }

class ValuesSize : public ::testing::TestWithParam<SizeCase> {};

TEST_P(ValuesSize, Parses) { EXPECT_EQ(parse_size(GetParam().text), GetParam().expected); }

constexpr std::size_t kMaxSize = std::numeric_limits<std::size_t>::max();

const SizeCase kSizeCases[] = {
    {"Zero", "0", 0},
    {"Bytes", "65536", 65536},
    {"ByteUnit", "10B", 10},
    {"Kilobytes", "1KB", 1000},
    {"LowerCaseKilobytes", "1kB", 1000},
    {"Megabytes", "5MB", 5'000'000},
    {"Gigabytes", "1GB", 1'000'000'000},
    {"Terabytes", "1TB", 1'000'000'000'000},
    {"Kibibytes", "64KiB", 64u << 10},
    {"Mebibytes", "8MiB", 8u << 20},
    {"Gibibytes", "1GiB", 1u << 30},
    {"Tebibytes", "2TiB", std::size_t{2} << 40},
    {"OneSpaceBeforeUnit", "2 MiB", 2u << 20},
    {"OneSpaceBeforeByteUnit", "64 B", 64},
    // The largest sizes and the first that overflow, with and without a unit.
    {"MaxBytes", "18446744073709551615", kMaxSize},
    {"Overflows64Bits", "18446744073709551616", std::nullopt},
    {"MaxTebibytes", "16777215TiB", std::size_t{16777215} << 40},
    {"OverflowsWithUnit", "16777216TiB", std::nullopt},
    {"OverflowsWithDecimalUnit", "18446744073709552KB", std::nullopt},
    // Spellings that are not sizes.
    {"Empty", "", std::nullopt},
    {"UnitOnly", "KiB", std::nullopt},
    {"TwoSpacesBeforeUnit", "2  MiB", std::nullopt},
    {"TrailingSpace", "64 ", std::nullopt},
    {"LeadingSpace", " 64", std::nullopt},
    {"Fraction", "1.5MiB", std::nullopt},
    {"Negative", "-1", std::nullopt},
    {"LowerCaseUnit", "5mb", std::nullopt},
    {"ShortUnit", "64K", std::nullopt},
    {"LowerCaseBinaryUnit", "64kib", std::nullopt},
    {"Exbibytes", "1EiB", std::nullopt},
};

INSTANTIATE_TEST_SUITE_P(Cases, ValuesSize, ::testing::ValuesIn(kSizeCases),
                         [](const auto& info) { return info.param.name; });

// ---- decimal integers ----

struct UintCase {
  std::string name;
  std::string text;
  std::optional<std::uint64_t> expected;
};

void PrintTo(const UintCase& c, std::ostream* os) { *os << c.name << " '" << c.text << "'"; }

class ValuesParseUint : public ::testing::TestWithParam<UintCase> {};

TEST_P(ValuesParseUint, Parses) { EXPECT_EQ(parse_uint(GetParam().text), GetParam().expected); }

INSTANTIATE_TEST_SUITE_P(Cases, ValuesParseUint,
                         ::testing::Values(UintCase{"Zero", "0", 0}, UintCase{"LeadingZeros", "007", 7},
                                           UintCase{"Max", "18446744073709551615",
                                                    std::numeric_limits<std::uint64_t>::max()},
                                           UintCase{"Overflow", "18446744073709551616", std::nullopt},
                                           UintCase{"Empty", "", std::nullopt},
                                           UintCase{"Plus", "+1", std::nullopt},
                                           UintCase{"Minus", "-1", std::nullopt},
                                           UintCase{"LeadingSpace", " 1", std::nullopt},
                                           UintCase{"TrailingSpace", "1 ", std::nullopt},
                                           UintCase{"Hex", "0x1", std::nullopt}),
                         [](const auto& info) { return info.param.name; });

// ---- ${VAR} substitution ----

struct SubstituteCase {
  std::string name;
  std::string text;
  std::string expected;             // checked only when no error is expected
  std::vector<std::string> errors;  // exact messages, in order
};

void PrintTo(const SubstituteCase& c, std::ostream* os) { *os << c.name << " '" << c.text << "'"; }

class ValuesSubstituteEnv : public ::testing::TestWithParam<SubstituteCase> {};

TEST_P(ValuesSubstituteEnv, Expands) {
  const SubstituteCase& c = GetParam();
  const std::map<std::string, std::string> vars{
      {"HOST", "cache"}, {"EMPTY", ""}, {"DOLLAR", "$x"}, {"REF", "${HOST}"}};
  const EnvLookup env = [&](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  std::vector<std::string> errors;
  const std::string out = substitute_env(c.text, env, errors);
  EXPECT_EQ(errors, c.errors);
  if (c.errors.empty()) {
    EXPECT_EQ(out, c.expected);
  }
}

const SubstituteCase kSubstituteCases[] = {
    {"Plain", "redis://cache", "redis://cache", {}},
    {"Empty", "", "", {}},
    {"Set", "redis://${HOST}:6379", "redis://cache:6379", {}},
    {"Twice", "${HOST}-${HOST}", "cache-cache", {}},
    {"SetIgnoresDefault", "${HOST:-other}", "cache", {}},
    {"UnsetUsesDefault", "${NOPE:-http://127.0.0.1:5000}", "http://127.0.0.1:5000", {}},
    {"EmptyUsesDefault", "${EMPTY:-fallback}", "fallback", {}},
    {"EmptyWithoutDefaultIsEmpty", "a${EMPTY}b", "ab", {}},
    {"EmptyDefault", "${NOPE:-}", "", {}},
    {"DefaultKeepsLaterSeparator", "${NOPE:-a:-b}", "a:-b", {}},
    {"DefaultNotExpanded", "${NOPE:-$HOST}", "$HOST", {}},
    // The first '}' ends the reference: no nesting.
    {"NoNesting", "${NOPE:-${HOST}}", "${HOST}", {}},
    {"ValueNotReexpanded", "${DOLLAR}", "$x", {}},
    {"ReferenceInValueNotExpanded", "${REF}", "${HOST}", {}},
    {"DoubleDollar", "pa$$word", "pa$word", {}},
    {"TripleDollar", "$$$", "$$", {}},
    {"EscapedReference", "$${HOST}", "${HOST}", {}},
    {"DollarWithoutBrace", "$HOST", "$HOST", {}},
    {"LoneDollar", "cost $5", "cost $5", {}},
    {"TrailingDollar", "a$", "a$", {}},
    {"Unset", "${NOPE}", "", {"environment variable NOPE is not set"}},
    {"Unterminated", "ab${HOST", "", {"unterminated '${' (write '$$' for a literal '$')"}},
    {"NameStartsWithDigit", "${1ABC}", "", {"invalid environment variable name '1ABC'"}},
    {"NameWithDash", "${A-B}", "", {"invalid environment variable name 'A-B'"}},
    {"NameWithSpace", "${ HOST}", "", {"invalid environment variable name ' HOST'"}},
    {"EmptyName", "${}", "", {"invalid environment variable name ''"}},
    {"EmptyNameWithDefault", "${:-x}", "", {"invalid environment variable name ''"}},
    // Every problem is reported, in text order; an unterminated '${' ends the scan.
    {"EveryProblem", "${1}${NOPE}", "",
     {"invalid environment variable name '1'", "environment variable NOPE is not set"}},
    {"UnterminatedAfterProblem", "${NOPE}${X", "",
     {"environment variable NOPE is not set", "unterminated '${' (write '$$' for a literal '$')"}},
};

INSTANTIATE_TEST_SUITE_P(Cases, ValuesSubstituteEnv, ::testing::ValuesIn(kSubstituteCases),
                         [](const auto& info) { return info.param.name; });

// ---- the process environment ----

TEST(ValuesProcessEnv, ReadsTheEnvironmentAtEachLookup) {
  constexpr const char* kName = "FOILCACHE_VALUES_TEST_VARIABLE";
  const EnvLookup env = process_env();
  ::unsetenv(kName);
  EXPECT_EQ(env(kName), std::nullopt);
  ::setenv(kName, "set", /*overwrite=*/1);
  EXPECT_EQ(env(kName), "set");
  ::setenv(kName, "", /*overwrite=*/1);
  EXPECT_EQ(env(kName), "");  // set but empty is not unset (${VAR:-default} decides)
  ::unsetenv(kName);
  EXPECT_EQ(env(kName), std::nullopt);
}

}  // namespace
}  // namespace foilcache::config
