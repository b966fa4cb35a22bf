// json.dumps-compatible text: every expectation below is what Python 3.11 printed for the
// same value (json.dumps with its defaults, repr of floats, datetime.isoformat()).
#include "upstream_stub/py_json.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace foilcache::stub {
namespace {

using namespace std::chrono;

TEST(PyJsonTest, StringsEscapeLikeEnsureAscii) {
  EXPECT_EQ(py::string("\xC3\xA9\n\"\\\x01\x7F\xF0\x9F\x98\x80\t/"),
            R"("\u00e9\n\"\\\u0001\u007f\ud83d\ude00\t/")");
  EXPECT_EQ(py::string(""), R"("")");
  EXPECT_EQ(py::string("\xFF"), R"("\ufffd")") << "invalid UTF-8 becomes U+FFFD";
}

struct FloatCase {
  double value;
  const char* repr;
};

class PyJsonFloatTest : public ::testing::TestWithParam<FloatCase> {};

TEST_P(PyJsonFloatTest, MatchesRepr) { EXPECT_EQ(py::number(GetParam().value), GetParam().repr); }

INSTANTIATE_TEST_SUITE_P(Table, PyJsonFloatTest,
                         ::testing::Values(FloatCase{0.0, "0.0"}, FloatCase{100.0, "100.0"},
                                           FloatCase{33.3, "33.3"}, FloatCase{1e16, "1e+16"},
                                           FloatCase{1e-05, "1e-05"},
                                           FloatCase{123456789.0, "123456789.0"},
                                           FloatCase{0.1, "0.1"}, FloatCase{2.5e-07, "2.5e-07"},
                                           FloatCase{-0.5, "-0.5"},
                                           FloatCase{1e15 + 0.5, "1000000000000000.5"}));

TEST(PyJsonTest, ObjectsKeepOrderAndUsePythonSeparators) {
  EXPECT_EQ(py::object({{"b", py::number(std::int64_t{1})}, {"a", py::list({py::boolean(true), "null"})}}),
            R"({"b": 1, "a": [true, null]})");
  EXPECT_EQ(py::object({}), "{}");
  EXPECT_EQ(py::list({}), "[]");
}

TEST(PyJsonTest, IsoformatLikeDatetime) {
  const sys_days day = year{2026} / 8 / 13;
  EXPECT_EQ(py::isoformat(day + 10h, true), "2026-08-13T10:00:00+00:00");
  EXPECT_EQ(py::isoformat(day + 10h + 5us, false), "2026-08-13T10:00:00.000005");
  EXPECT_EQ(py::isoformat(day + 10h + 123456us, true), "2026-08-13T10:00:00.123456+00:00");
}

}  // namespace
}  // namespace foilcache::stub
