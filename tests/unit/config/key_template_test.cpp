#include "proxy/config/key_template.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

namespace foilcache::config {
namespace {

constexpr std::string_view kPagedKey =
    "library_paged:{query.page|1}:{query.per_page|50}:{query.sort_by}:{query.sort}:{query.order|asc}:"
    "{query.dlc}:{query.redundant}:{user}";

// A request as a template sees it, with a good baseline to change one field of.
struct Request {
  std::string method = "GET";
  std::string path = "/api/app_info/0100";
  std::string query;
  PathParams params{{"id", "0100"}};
  std::vector<std::pair<std::string, std::string>> headers;
  std::string user = "anon";
};

std::string render(std::string_view text, const Request& request,
                   std::string_view pattern = "/api/app_info/{id}") {
  const KeyTemplate key = KeyTemplate::parse(text, PathPattern::parse(pattern));
  http::fields fields;
  for (const auto& [name, value] : request.headers) fields.insert(name, value);
  RenderInput in;
  in.method = request.method;
  in.path = request.path;
  in.query = request.query;
  in.path_params = &request.params;
  in.headers = &fields;
  in.user = request.user;
  return key.render(in);
}

Request with_query(std::string query) {
  Request r;
  r.query = std::move(query);
  return r;
}

struct RenderCase {
  std::string name;
  std::string text;
  Request request;
  std::string expected;
};

void PrintTo(const RenderCase& c, std::ostream* os) { *os << c.name; }

class KeyTemplateRenderTest : public ::testing::TestWithParam<RenderCase> {};

TEST_P(KeyTemplateRenderTest, Renders) {
  const auto& c = GetParam();
  EXPECT_EQ(render(c.text, c.request), c.expected);
}

Request with_header(std::string name, std::string value) {
  Request r;
  r.headers.emplace_back(std::move(name), std::move(value));
  return r;
}

Request with_user(std::string user) {
  Request r;
  r.user = std::move(user);
  return r;
}

Request with_method(std::string method) {
  Request r;
  r.method = std::move(method);
  return r;
}

Request with_path(std::string path) {
  Request r;
  r.path = std::move(path);
  return r;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, KeyTemplateRenderTest,
    ::testing::Values(
        RenderCase{"LiteralOnly", "system_info", Request{}, "system_info"},
        RenderCase{"QueryValue", "k:{query.page}", with_query("page=3"), "k:3"},
        RenderCase{"QueryAbsentIsEmpty", "k:{query.page}:x", with_query("other=1"), "k::x"},
        RenderCase{"QueryFirstValueWins", "k:{query.page}", with_query("page=3&page=4"), "k:3"},
        RenderCase{"QueryDecodedThenEscaped", "k:{query.q}", with_query("q=a%20b%3Ac"), "k:a%20b%3Ac"},
        RenderCase{"QueryPlusIsSpace", "k:{query.q}", with_query("q=a+b"), "k:a%20b"},
        RenderCase{"QueryEncodedPlusIsPlus", "k:{query.q}", with_query("q=a%2Bb"), "k:a%2Bb"},
        RenderCase{"QueryEncodedName", "k:{query.sort_by}", with_query("sort%5Fby=name"), "k:name"},
        RenderCase{"QueryWithoutEquals", "k:{query.dlc|0}", with_query("dlc"), "k:0"},
        RenderCase{"DefaultWhenAbsent", "k:{query.page|1}", with_query(""), "k:1"},
        RenderCase{"DefaultWhenEmpty", "k:{query.page|1}", with_query("page="), "k:1"},
        RenderCase{"DefaultIsEscaped", "k:{query.sort|a b}", with_query(""), "k:a%20b"},
        RenderCase{"MalformedEscapeStaysLiteral", "k:{query.q}", with_query("q=%zz%41%"), "k:%25zzA%25"},
        RenderCase{"PathParam", "app_info:{path.id}", Request{}, "app_info:0100"},
        RenderCase{"PathParamEscaped", "app_info:{path.id}",
                   Request{"GET", "/api/app_info/a%3Ab", "", {{"id", "a:b"}}, {}, "anon"}, "app_info:a%3Ab"},
        RenderCase{"Header", "k:{header.X-Forwarded-Host}", with_header("x-forwarded-host", "shop.example"),
                   "k:shop.example"},
        RenderCase{"HeaderAbsent", "k:{header.X-Forwarded-Host}:", Request{}, "k::"},
        RenderCase{"HeaderEscaped", "k:{header.User-Agent}", with_header("User-Agent", "Tinfoil/17 (x:y)"),
                   "k:Tinfoil%2F17%20%28x%3Ay%29"},
        RenderCase{"User", "k:{user}", with_user("0123abcd"), "k:0123abcd"},
        RenderCase{"Method", "{method}:k", Request{}, "GET:k"},
        RenderCase{"HeadRendersAsGet", "{method}:k", with_method("HEAD"), "GET:k"},
        RenderCase{"PathKeepsSlashes", "p:{path}", with_path("/api/app_info/a%20b"), "p:/api/app_info/a%20b"},
        RenderCase{"PathDecodesUnreserved", "p:{path}", with_path("/api/%61pp"), "p:/api/app"},
        RenderCase{"PathEscapesSpecials", "p:{path}", with_path("/a:b*c"), "p:/a%3Ab%2Ac"},
        RenderCase{"AllQuerySorted", "q:{query}", with_query("b=2&a=1&c="), "q:a=1&b=2&c="},
        RenderCase{"AllQueryDecodedAndEscaped", "q:{query}", with_query("x%3Dy=1%262&a+b=c"),
                   "q:a%20b=c&x%3Dy=1%262"},
        RenderCase{"AllQuerySkipsEmptyNames", "q:{query}", with_query("=1&&a=2&"), "q:a=2"},
        RenderCase{"AllQueryKeepsRepeatedOrder", "q:{query}", with_query("a=2&b=0&a=1"), "q:a=2&a=1&b=0"},
        RenderCase{"AllQueryEmpty", "q:{query}:", with_query(""), "q::"}),
    [](const auto& info) { return info.param.name; });

TEST(KeyTemplate, HeaderRepeatedFieldsAreJoined) {
  Request request;
  request.headers = {{"X-Forwarded-Host", "a"}, {"X-Forwarded-Host", "b"}};
  EXPECT_EQ(render("k:{header.x-forwarded-host}", request), "k:a%2Cb");
  // The app's WSGI server joins them too, so one "a,b" field means the same thing.
  EXPECT_EQ(render("k:{header.x-forwarded-host}", with_header("X-Forwarded-Host", "a,b")), "k:a%2Cb");
}

// Requests the app cannot tell apart may share a key; that is the point of the template.
TEST(KeyTemplate, EquivalentQueriesShareOneKey) {
  const std::vector<std::string> same_page = {
      "", "page=1", "page=1&x=", "x=&page=1", "page=", "per_page=50", "page=1&per_page=50&order=asc"};
  std::set<std::string> keys;
  for (const auto& query : same_page) keys.insert(render(kPagedKey, with_query(query)));
  EXPECT_EQ(keys.size(), 1u) << *keys.begin();

  EXPECT_EQ(render("q:{query}", with_query("a=1&b=")), render("q:{query}", with_query("b=&a=1")));
  EXPECT_EQ(render("q:{query}", with_query("a=1&b=2&c=3")), render("q:{query}", with_query("c=3&a=1&b=2")));
  EXPECT_EQ(render("k:{query.q}", with_query("q=a+b")), render("k:{query.q}", with_query("q=a%20b")));
}

// Requests the app tells apart must never share a key.
TEST(KeyTemplate, DistinguishableQueriesGetDistinctKeys) {
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"page=2", "page=3"},
      {"sort_by=name", "sort=name"},   // the app reads sort when sort_by is absent
      {"q=a%2Bb", "q=a+b"},            // '+' vs ' '
      {"q=a%25zz%2541", "q=a%zz%41"},  // literal "%zz%41" vs decoded "%zzA"
      {"q=1%3A2", "q=1:2&x=%3A"},
      {"a=1&a=2", "a=2&a=1"},  // first value differs
  };
  for (const auto& [a, b] : pairs) {
    EXPECT_NE(render(kPagedKey, with_query(a)) + render("{query}:{query.q}:{query.a}", with_query(a)),
              render(kPagedKey, with_query(b)) + render("{query}:{query.q}:{query.a}", with_query(b)))
        << a << " vs " << b;
  }
}

TEST(KeyTemplate, InjectionNeverProducesRawSpecials) {
  const std::vector<std::string> hostile = {"page=1:*",
                                            "page={user}",
                                            "page=%7Buser%7D",
                                            "page=%3A",
                                            "page=%2A",
                                            "page=[a-z]?",
                                            "page=%25",
                                            "page=%",
                                            "page=%E2%9C%93",
                                            "page=\xE2\x9C\x93",
                                            "page=%00",
                                            "page=a%0D%0Ab",
                                            "page=" + std::string(5000, '*'),
                                            "page=\\*",
                                            "sort_by=x%3A%2A&page=1&dlc=%5B%5D"};
  const std::string base = render(kPagedKey, with_query(""));
  const auto colons = std::count(base.begin(), base.end(), ':');
  for (const auto& query : hostile) {
    for (const std::string_view text : {kPagedKey, std::string_view("{query}:{path}:{header.x}")}) {
      Request request = with_query(query);
      request.headers = {{"X", "a:*?[]{}\\ b"}};
      request.path = "/x/%2A%3A%7B";
      const std::string key = render(text, request);
      EXPECT_EQ(key.find_first_of("*?[]{}\\"), std::string::npos) << query << " -> " << key;
      for (const unsigned char c : key) EXPECT_TRUE(c > 0x20 && c < 0x7f) << query << " -> " << key;
      if (text == kPagedKey) {
        EXPECT_EQ(std::count(key.begin(), key.end(), ':'), colons) << query << " -> " << key;
      }
    }
  }
}

// Property: N distinct value tuples render N distinct keys.
TEST(KeyTemplate, DistinctTuplesRenderDistinctKeys) {
  const std::vector<std::string> values = {"",    "1", "a", "a:b", ":",   "%",    "%25", "%3A",  "a b",
                                           "a+b", "*", "é", "a&b", "a=b", "~-._", "%2",  "1:2:3"};
  const KeyTemplate key = KeyTemplate::parse("k:{query.a}:{query.b}:{header.h}", PathPattern{});
  std::set<std::string> keys;
  std::size_t tuples = 0;
  for (const auto& a : values) {
    for (const auto& b : values) {
      for (const auto& h : values) {
        std::string query;
        append_escaped(query, "a");
        query += '=';
        append_escaped(query, a);
        query += "&b=";
        append_escaped(query, b);
        http::fields fields;
        fields.insert("h", h);
        RenderInput in;
        in.method = "GET";
        in.path = "/";
        in.query = query;
        in.headers = &fields;
        in.user = "anon";
        keys.insert(key.render(in));
        ++tuples;
      }
    }
  }
  EXPECT_EQ(keys.size(), tuples);
}

TEST(KeyTemplate, RendersHeaderIsCaseInsensitive) {
  const KeyTemplate key = KeyTemplate::parse("k:{header.X-Forwarded-Proto}:{user}", PathPattern{});
  EXPECT_TRUE(key.renders_header("x-forwarded-proto"));
  EXPECT_TRUE(key.renders_header("X-FORWARDED-PROTO"));
  EXPECT_FALSE(key.renders_header("X-Forwarded-Host"));
  EXPECT_FALSE(key.renders_header("Cookie"));
  EXPECT_TRUE(key.uses_user());
  EXPECT_EQ(key.text(), "k:{header.X-Forwarded-Proto}:{user}");
}

TEST(KeyTemplate, RendersWithoutOptionalInputs) {
  const KeyTemplate key = KeyTemplate::parse("k:{path.id}:{header.h}:{user}", PathPattern::parse("/a/{id}"));
  RenderInput in;
  in.method = "GET";
  in.path = "/a/1";
  EXPECT_EQ(key.render(in), "k:::");
}

TEST(KeyTemplateAppendEscaped, KeepsOnlyUnreservedAndRequested) {
  std::string out;
  append_escaped(out, "Az09._~-:/ %\xff");
  EXPECT_EQ(out, "Az09._~-%3A%2F%20%25%FF");
  out.clear();
  append_escaped(out, "a/b:c", "/");
  EXPECT_EQ(out, "a/b%3Ac");
}

class KeyTemplateParseErrorTest : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(KeyTemplateParseErrorTest, Rejects) {
  const auto& [text, message] = GetParam();
  try {
    KeyTemplate::parse(text, PathPattern::parse("/api/app_info/{id}"));
    FAIL() << "accepted " << text;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, KeyTemplateParseErrorTest,
    ::testing::Values(std::pair{std::string("k:{nope}"), std::string("unknown placeholder {nope}")},
                      std::pair{std::string("k:{query.}"), std::string("empty name")},
                      std::pair{std::string("k:{}"), std::string("empty {}")},
                      std::pair{std::string("k:{query.a"), std::string("unbalanced '{'")},
                      std::pair{std::string("k:{query.{a}}"), std::string("unbalanced '{'")},
                      std::pair{std::string("k:query.a}"), std::string("unbalanced '}'")},
                      std::pair{std::string("k*:{user}"), std::string("must not contain '*'")},
                      std::pair{std::string("k?"), std::string("must not contain '?'")},
                      std::pair{std::string("k[1]"), std::string("must not contain '['")},
                      std::pair{std::string("k\\:x"), std::string("must not contain '\\'")},
                      std::pair{std::string("k:{path.nope}"), std::string("has no {nope}")},
                      std::pair{std::string("k:{user|x}"),
                                std::string("only allowed in {query.NAME|DEFAULT}")},
                      std::pair{std::string("k:{header.bad name}"), std::string("invalid header name")},
                      std::pair{std::string("{query.a}{query.b}"), std::string("must be separated")},
                      std::pair{std::string("{query.a}-{query.b}"), std::string("must be separated")},
                      std::pair{std::string("{query.a}%{query.b}"), std::string("must be separated")},
                      std::pair{std::string("{path}/{query.b}"), std::string("must be separated")},
                      std::pair{std::string("{query}&{query.b}"), std::string("must be separated")}));

TEST(KeyTemplate, SeparatorsThatCannotOccurInValuesAreAccepted) {
  EXPECT_NO_THROW(KeyTemplate::parse("{query.a}/{query.b}", PathPattern{}));
  EXPECT_NO_THROW(KeyTemplate::parse("{query.a}:{query.b}", PathPattern{}));
  EXPECT_NO_THROW(KeyTemplate::parse("{path}:{query}", PathPattern{}));
  EXPECT_NO_THROW(KeyTemplate::parse("{query.a}=x-{query.b}", PathPattern{}));
  EXPECT_NO_THROW(KeyTemplate::parse(kPagedKey, PathPattern{}));
}

}  // namespace
}  // namespace foilcache::config

namespace foilcache::config {
namespace {

TEST(KeyTemplate, RenderAllRendersEachScopedTag) {
  const PathPattern path = PathPattern::parse("/api/games/{tid}/custom");
  const std::vector<KeyTemplate> tags{KeyTemplate::parse("library", path), KeyTemplate::parse("library:{user}", path),
                                      KeyTemplate::parse("app_info:{path.tid}", path)};
  const PathParams params{{"tid", "0100ABC"}};
  const RenderInput in{"POST", "/api/games/0100ABC/custom", "", &params, nullptr, "u1"};
  EXPECT_EQ(render_all(tags, in), (std::vector<std::string>{"library", "library:u1", "app_info:0100ABC"}));
  EXPECT_TRUE(render_all({}, in).empty());
}

}  // namespace
}  // namespace foilcache::config
