// The stub's pure parts: MyFoil's parameter rules, the synthetic library, Range parsing.
#include "upstream_stub/library_model.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <limits>
#include <set>

#include "upstream_stub/game_bytes.hpp"
#include "upstream_stub/stub_handlers.hpp"

namespace foilcache::stub {
namespace {

// ---- python_int ----

struct PythonIntCase {
  const char* text;
  std::optional<std::int64_t> expected;
};

class LibraryModelPythonIntTest : public ::testing::TestWithParam<PythonIntCase> {};

TEST_P(LibraryModelPythonIntTest, MatchesPythonInt) {
  EXPECT_EQ(python_int(GetParam().text), GetParam().expected) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, LibraryModelPythonIntTest,
    ::testing::Values(
        PythonIntCase{"1", 1}, PythonIntCase{"007", 7}, PythonIntCase{"-3", -3},
        PythonIntCase{"+4", 4}, PythonIntCase{" 12\t", 12}, PythonIntCase{"1_000", 1000},
        PythonIntCase{"", std::nullopt}, PythonIntCase{" ", std::nullopt},
        PythonIntCase{"abc", std::nullopt}, PythonIntCase{"1.5", std::nullopt},
        PythonIntCase{"_1", std::nullopt}, PythonIntCase{"1_", std::nullopt},
        PythonIntCase{"1__0", std::nullopt}, PythonIntCase{"0x10", std::nullopt},
        PythonIntCase{"-", std::nullopt}, PythonIntCase{"1 2", std::nullopt},
        PythonIntCase{"99999999999999999999999", std::numeric_limits<std::int64_t>::max()},
        PythonIntCase{"-99999999999999999999999", std::numeric_limits<std::int64_t>::min()}));

// ---- parse_paged_params: one field changed from the defaults per case ----

struct PagedCase {
  const char* name;
  QueryParams query;
  PagedParams expected;
};

PagedParams with(std::int64_t page, std::int64_t per_page, std::string sort_by = "name",
                 std::string order = "asc", bool dlc = false, bool redundant = false) {
  return PagedParams{page, per_page, std::move(sort_by), std::move(order), dlc, redundant};
}

class LibraryModelPagedParamsTest : public ::testing::TestWithParam<PagedCase> {};

TEST_P(LibraryModelPagedParamsTest, ValidatesLikeTheApp) {
  EXPECT_EQ(parse_paged_params(GetParam().query), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, LibraryModelPagedParamsTest,
    ::testing::Values(
        PagedCase{"Defaults", {}, with(1, 50)},
        PagedCase{"PageZeroClampsToOne", {{"page", "0"}}, with(1, 50)},
        PagedCase{"NegativePageClampsToOne", {{"page", "-7"}}, with(1, 50)},
        PagedCase{"BadPageFallsBack", {{"page", "two"}}, with(1, 50)},
        PagedCase{"EmptyPageFallsBack", {{"page", ""}}, with(1, 50)},
        PagedCase{"HugePageKept", {{"page", "123456"}}, with(123456, 50)},
        PagedCase{"PerPageZeroClampsToOne", {{"per_page", "0"}}, with(1, 1)},
        PagedCase{"PerPageOverMaxClamps", {{"per_page", "101"}}, with(1, 100)},
        PagedCase{"PerPageHugeClamps", {{"per_page", "99999999999999999999"}}, with(1, 100)},
        PagedCase{"BadPerPageFallsBack", {{"per_page", "ten"}}, with(1, 50)},
        PagedCase{"FloatPerPageFallsBack", {{"per_page", "10.0"}}, with(1, 50)},
        PagedCase{"PaddedPerPageAccepted", {{"per_page", " 10 "}}, with(1, 10)},
        PagedCase{"FirstValueWins", {{"page", "3"}, {"page", "4"}}, with(3, 50)},
        PagedCase{"SortBySize", {{"sort_by", "size"}}, with(1, 50, "size")},
        PagedCase{"LegacySort", {{"sort", "added_at"}}, with(1, 50, "added_at")},
        PagedCase{"SortByBeatsSort",
                  {{"sort", "size"}, {"sort_by", "release_date"}},
                  with(1, 50, "release_date")},
        PagedCase{
            "EmptySortByFallsToSort", {{"sort_by", ""}, {"sort", "size"}}, with(1, 50, "size")},
        PagedCase{"UnknownSortIsName", {{"sort_by", "added"}}, with(1, 50, "name")},
        PagedCase{"OrderDesc", {{"order", "desc"}}, with(1, 50, "name", "desc")},
        PagedCase{"OrderIsCaseSensitive", {{"order", "DESC"}}, with(1, 50, "name", "asc")},
        PagedCase{"DlcTruthy", {{"dlc", "Yes"}}, with(1, 50, "name", "asc", true)},
        PagedCase{"DlcFalsy", {{"dlc", "2"}}, with(1, 50)},
        PagedCase{"RedundantOn", {{"redundant", "on"}}, with(1, 50, "name", "asc", false, true)}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- the synthetic library ----

TEST(LibraryModelLibraryTest, SameSeedAndGenerationAreIdentical) {
  const Library a(42, 3, 200), b(42, 3, 200);
  const PagedParams p = with(1, 100);
  EXPECT_EQ(render_library_paged(a, p, "alice").body, render_library_paged(b, p, "alice").body);
}

TEST(LibraryModelLibraryTest, ScanGenerationChangesContentAndAddsATitle) {
  const Library before(42, 0, 200), after(42, 1, 200);
  EXPECT_EQ(after.titles().size(), before.titles().size() + 1);
  const PagedParams p = with(1, 50);
  EXPECT_NE(render_library_paged(before, p, "alice").body,
            render_library_paged(after, p, "alice").body);
}

TEST(LibraryModelLibraryTest, TitleIdsAreUniqueBaseIds) {
  const Library lib(7, 0, 1200);
  std::set<std::string> ids;
  for (const Title& t : lib.titles()) {
    EXPECT_EQ(t.title_id.size(), 16u);
    EXPECT_TRUE(t.title_id.ends_with("000")) << t.title_id;
    ids.insert(t.title_id);
    EXPECT_EQ(lib.find(t.title_id), &t);
  }
  EXPECT_EQ(ids.size(), lib.titles().size());
}

TEST(LibraryModelLibraryTest, UsersIgnoreDifferentTitles) {
  const Library lib(42, 0, 1200);
  int differ = 0;
  for (const Title& t : lib.titles()) {
    differ += user_ignores_dlcs("alice", t) != user_ignores_dlcs("bob", t) ? 1 : 0;
    EXPECT_FALSE(user_ignores_dlcs("", t));
  }
  EXPECT_GT(differ, 100);
}

TEST(LibraryModelLibraryTest, DescendingIsTheReverseOfAscending) {
  const Library lib(42, 0, 30);
  rapidjson::Document asc, desc;
  asc.Parse(render_library_paged(lib, with(1, 100, "size", "asc"), "bob").body.c_str());
  desc.Parse(render_library_paged(lib, with(1, 100, "size", "desc"), "bob").body.c_str());
  ASSERT_EQ(asc["items"].Size(), 30u);
  for (rapidjson::SizeType i = 0; i < 30; ++i) {
    EXPECT_STREQ(asc["items"][i]["id"].GetString(), desc["items"][29 - i]["id"].GetString());
  }
}

TEST(LibraryModelLibraryTest, PagedBodyHasTheAppEnvelope) {
  const Library lib(42, 0, 120);
  const PagedBody page = render_library_paged(lib, with(3, 50), "alice");
  EXPECT_EQ(page.total_items, 120);
  EXPECT_EQ(page.total_pages, 3);
  rapidjson::Document d;
  d.Parse(page.body.c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_STREQ(d["code"].GetString(), "SUCCESS");
  EXPECT_TRUE(d["success"].GetBool());
  EXPECT_EQ(d["items"].Size(), 20u);
  EXPECT_EQ(d["data"]["items"].Size(), 20u);
  EXPECT_FALSE(d["pagination"]["has_next"].GetBool());
  EXPECT_TRUE(d["pagination"]["has_prev"].GetBool());
  EXPECT_EQ(d["pagination"]["total_items"].GetInt(), 120);
  EXPECT_EQ(page.body.back(), '\n');
}

TEST(LibraryModelLibraryTest, PagePastTheEndIsEmpty) {
  const Library lib(42, 0, 120);
  const PagedBody page =
      render_library_paged(lib, with(std::numeric_limits<std::int64_t>::max(), 100), "alice");
  rapidjson::Document d;
  d.Parse(page.body.c_str());
  EXPECT_EQ(d["items"].Size(), 0u);
  EXPECT_FALSE(d["pagination"]["has_next"].GetBool());
}

TEST(LibraryModelLibraryTest, DlcFilterUsesTheCallersIgnores) {
  const Library lib(42, 0, 1200);
  const PagedParams p = with(1, 100, "name", "asc", true);
  const PagedBody alice = render_library_paged(lib, p, "alice");
  const PagedBody bob = render_library_paged(lib, p, "bob");
  EXPECT_GT(alice.total_items, 0);
  EXPECT_LT(alice.total_items, 1200);
  EXPECT_NE(alice.total_items, bob.total_items);
}

TEST(LibraryModelLibraryTest, FormatSizeLikeTheApp) {
  EXPECT_EQ(format_size(512), "512.00 B");
  EXPECT_EQ(format_size(1536), "1.50 KB");
  EXPECT_EQ(format_size(std::uint64_t{3} << 30), "3.00 GB");
}

TEST(LibraryModelShopIndexTest, RelativeUrlsLikeMyFoil) {
  const Library lib(42, 0, 10);
  ShopView view;
  view.absolute_urls = false;
  view.motd = "hi";
  rapidjson::Document d;
  d.Parse(render_shop_index(lib, view, 99).c_str());
  ASSERT_GT(d["files"].Size(), 0u);
  EXPECT_EQ(std::string(d["files"][0]["url"].GetString()).rfind("/api/get_game/1#", 0), 0u);
  EXPECT_EQ(d["files"][0]["size"].GetInt(), 99);
  EXPECT_STREQ(d["success"].GetString(), "hi");
  EXPECT_FALSE(d.HasMember("referrer"));
}

TEST(LibraryModelShopIndexTest, CredentialsArePercentEncoded) {
  const Library lib(42, 0, 3);
  ShopView view;
  view.host = "h";
  view.basic = std::make_pair(std::string("a@b"), std::string("p:w/"));
  const std::string body = render_shop_index(lib, view, 1);
  EXPECT_NE(body.find("http://a%40b:p%3Aw%2F@h/api/get_game/1#"), std::string::npos);
}

// ---- Range (Werkzeug rules) ----

struct RangeCase {
  const char* header;
  RangeResult::Kind kind;
  std::uint64_t first;
  std::uint64_t last;
};

class LibraryModelRangeTest : public ::testing::TestWithParam<RangeCase> {};

TEST_P(LibraryModelRangeTest, ParsesAgainstAThousandBytes) {
  const RangeResult r = parse_range(GetParam().header, 1000);
  EXPECT_EQ(r.kind, GetParam().kind) << GetParam().header;
  if (r.kind == RangeResult::Kind::kSingle) {
    EXPECT_EQ(r.first, GetParam().first);
    EXPECT_EQ(r.last, GetParam().last);
  }
}

using K = RangeResult::Kind;
INSTANTIATE_TEST_SUITE_P(Table, LibraryModelRangeTest,
                         ::testing::Values(RangeCase{"bytes=0-99", K::kSingle, 0, 99},
                                           RangeCase{"bytes=900-", K::kSingle, 900, 999},
                                           RangeCase{"bytes=-10", K::kSingle, 990, 999},
                                           RangeCase{"bytes=-5000", K::kSingle, 0, 999},
                                           RangeCase{"bytes=990-5000", K::kSingle, 990, 999},
                                           RangeCase{"bytes=1000-", K::kUnsatisfiable, 0, 0},
                                           RangeCase{"bytes=-0", K::kUnsatisfiable, 0, 0},
                                           RangeCase{"bytes=0-1,5-6", K::kUnsatisfiable, 0, 0},
                                           RangeCase{"bytes=5-1", K::kNone, 0, 0},
                                           RangeCase{"items=0-1", K::kNone, 0, 0},
                                           RangeCase{"bytes=x-1", K::kNone, 0, 0},
                                           RangeCase{"bytes=", K::kNone, 0, 0}));

TEST(LibraryModelGameBytesTest, FillMatchesByteFunctionAtAnyOffset) {
  unsigned char buf[37];
  for (std::uint64_t offset : {0ull, 1ull, 7ull, 8ull, 1000003ull}) {
    fill_game_bytes(5, offset, buf, sizeof buf);
    for (std::size_t i = 0; i < sizeof buf; ++i) ASSERT_EQ(buf[i], game_byte(5, offset + i));
  }
  EXPECT_NE(game_byte(1, 0), game_byte(2, 0));
}

TEST(LibraryModelBase64Test, RoundTrips) {
  for (std::string s : {"", "a", "ab", "abc", "alice:alice-pw"}) {
    EXPECT_EQ(base64_decode(base64_encode(s)), s);
  }
  EXPECT_EQ(base64_encode("alice:alice-pw"), "YWxpY2U6YWxpY2UtcHc=");
  EXPECT_FALSE(base64_decode("YW*="));
}

}  // namespace
}  // namespace foilcache::stub
