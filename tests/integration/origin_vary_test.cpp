// Vary on `ttl: origin` routes through the real binary (RFC 9111 §4.1): one stored answer
// per variant of a URL, chosen by the request fields the answer names; `Vary: *` and
// credentials never matched; a bounded number of variants; invalidating the URL drops all
// of them; concurrent requests for different variants never share an answer.
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/scenarios.hpp"

namespace foilcache::testing {
namespace {

DeploymentOptions vary_options() {
  DeploymentOptions options;
  options.config_yaml = config_head("fc-vary:", "1s") +
                        "routes:\n  - name: respond\n    match: GET /__stub/respond\n    ttl: origin\n"
                        "    key: \"respond:{query}\"\n    shared: true\n";
  return options;
}

// An answer that varies on Accept-Language, showing which value reached the app.
constexpr const char* kByLanguage =
    "/__stub/respond?size=10&cache_control=max-age%3D600&vary=Accept-Language&echo_header=Accept-Language";

Response get_in(const Deployment& d, std::string_view target, std::string_view language) {
  return d.client().get(target, {{"Accept-Language", std::string(language)}});
}

TEST(OriginVary, EachVariantIsStoredAndServedToItsOwnRequests) {
  Deployment d(vary_options());
  const Response en = get_in(d, kByLanguage, "en");
  ASSERT_EQ(en.header("X-Cache"), "MISS");
  ASSERT_EQ(en.header("X-Echo-Accept-Language"), "en");
  const Response fr = get_in(d, kByLanguage, "fr");
  EXPECT_EQ(fr.header("X-Cache"), "MISS") << "another variant: not the English answer";
  EXPECT_EQ(fr.header("X-Echo-Accept-Language"), "fr");
  const Response none = d.get(kByLanguage);
  EXPECT_EQ(none.header("X-Cache"), "MISS") << "no Accept-Language is a variant of its own";
  EXPECT_EQ(none.header("X-Echo-Accept-Language"), "(absent)");
  for (int round = 0; round < 2; ++round) {
    const Response en_hit = get_in(d, kByLanguage, "en");
    EXPECT_EQ(en_hit.header("X-Cache"), "HIT");
    EXPECT_EQ(en_hit.header("X-Echo-Accept-Language"), "en");
    const Response fr_hit = get_in(d, kByLanguage, "fr");
    EXPECT_EQ(fr_hit.header("X-Cache"), "HIT");
    EXPECT_EQ(fr_hit.header("X-Echo-Accept-Language"), "fr");
    const Response none_hit = d.get(kByLanguage);
    EXPECT_EQ(none_hit.header("X-Cache"), "HIT");
    EXPECT_EQ(none_hit.header("X-Echo-Accept-Language"), "(absent)");
  }
  EXPECT_EQ(upstream_requests(d.port(), "respond"), 3) << "one fetch per variant";
  const Response empty = get_in(d, kByLanguage, "");
  EXPECT_EQ(empty.header("X-Cache"), "MISS") << "an empty value is not an absent one";
}

TEST(OriginVary, ValuesAreComparedNormalized) {
  Deployment d(vary_options());
  ASSERT_EQ(get_in(d, kByLanguage, "en-US,en;q=0.8").header("X-Cache"), "MISS");
  const Response same = get_in(d, kByLanguage, "EN-us ,  en; q=0.8");
  EXPECT_EQ(same.header("X-Cache"), "HIT") << "case and whitespace carry no meaning in Accept-Language";
  EXPECT_EQ(same.header("X-Echo-Accept-Language"), "en-US,en;q=0.8");
  const Response lines = d.client().get(kByLanguage, {{"Accept-Language", "en-US"}, {"Accept-Language", "en;q=0.8"}});
  EXPECT_EQ(lines.header("X-Cache"), "HIT") << "two field lines are one list (RFC 9110 §5.3)";
  EXPECT_EQ(get_in(d, kByLanguage, "en,en-US;q=0.8").header("X-Cache"), "MISS") << "order is meaning";
}

TEST(OriginVary, WhatCannotSelectAVariantIsNeverStored) {
  Deployment d(vary_options());
  for (const std::string vary : {"%2A", "Accept-Language%2C%20%2A", "Cookie", "Authorization",
                                 "A%2C%20B%2C%20C%2C%20D%2C%20E"}) {
    const std::string target = "/__stub/respond?size=10&cache_control=max-age%3D600&vary=" + vary;
    ASSERT_EQ(get_in(d, target, "en").header("X-Cache"), "MISS") << vary;
    EXPECT_EQ(get_in(d, target, "en").header("X-Cache"), "MISS") << "Vary: " << vary << " was stored";
  }
}

TEST(OriginVary, TheNumberOfVariantsIsBounded) {
  Deployment d(vary_options());
  // kMaxVariants (8) variants are kept per URL; the oldest leaves first.
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(get_in(d, kByLanguage, "lang-" + std::to_string(i)).header("X-Cache"), "MISS") << i;
  }
  for (int i = 2; i < 10; ++i) {
    EXPECT_EQ(get_in(d, kByLanguage, "lang-" + std::to_string(i)).header("X-Cache"), "HIT") << i;
  }
  EXPECT_EQ(get_in(d, kByLanguage, "lang-0").header("X-Cache"), "MISS") << "the oldest was dropped";
}

TEST(OriginVary, InvalidatingTheUrlDropsEveryVariant) {
  Deployment d(vary_options());
  for (const char* language : {"en", "fr"}) {
    ASSERT_EQ(get_in(d, kByLanguage, language).header("X-Cache"), "MISS");
    ASSERT_EQ(get_in(d, kByLanguage, language).header("X-Cache"), "HIT");
  }
  // RFC 9111 §4.4: a successful POST to the URL invalidates it, with all its variants.
  ASSERT_EQ(d.client().request(http::verb::post, kByLanguage).status, 200u);
  for (const char* language : {"en", "fr"}) {
    const Response after = get_in(d, kByLanguage, language);
    EXPECT_EQ(after.header("X-Cache"), "MISS") << language;
    EXPECT_EQ(after.header("X-Echo-Accept-Language"), language);
  }
  EXPECT_EQ(get_in(d, kByLanguage, "en").header("X-Cache"), "HIT") << "stored again";
}

TEST(OriginVary, ConcurrentRequestsForOtherVariantsAreNotCollapsedIntoOne) {
  Deployment d(vary_options());
  const std::string slow = std::string(kByLanguage) + "&delay_ms=300";
  const auto answers = burst({d.port()}, 8, slow, [](int i) {
    return Headers{{"Accept-Language", i % 2 == 0 ? "en" : "fr"}};
  });
  int collapsed = 0;
  for (int i = 0; i < 8; ++i) {
    const auto& a = answers[i];
    ASSERT_EQ(a.status, 200u) << a.body;
    EXPECT_EQ(a.response.header("X-Echo-Accept-Language"), i % 2 == 0 ? "en" : "fr")
        << "request " << i << " got another variant; Cache-Status " << a.response.header("Cache-Status");
    if (a.response.header("Cache-Status").find("; collapsed;") != std::string::npos) ++collapsed;
  }
  EXPECT_LT(upstream_requests(d.port(), "respond"), 8) << "requests of one variant still share a fetch";
  EXPECT_GT(collapsed, 0);
  for (const char* language : {"en", "fr"}) {
    const Response hit = get_in(d, slow, language);
    EXPECT_EQ(hit.header("X-Cache"), "HIT") << language;
    EXPECT_EQ(hit.header("X-Echo-Accept-Language"), language);
  }
}

TEST(OriginVary, ReplicasShareTheVariants) {
  Deployment d(vary_options());
  Replica other = d.start_replica();
  ASSERT_EQ(get_in(d, kByLanguage, "en").header("X-Cache"), "MISS");
  ASSERT_EQ(other.get(kByLanguage, {{"Accept-Language", "fr"}}).header("X-Cache"), "MISS");
  const Response fr = get_in(d, kByLanguage, "fr");
  EXPECT_EQ(fr.header("X-Cache"), "HIT") << "the other replica's variant, listed in the shared index";
  EXPECT_EQ(fr.header("X-Echo-Accept-Language"), "fr");
  const Response en = other.get(kByLanguage, {{"Accept-Language", "en"}});
  EXPECT_EQ(en.header("X-Cache"), "HIT");
  EXPECT_EQ(en.header("X-Echo-Accept-Language"), "en");
}

TEST(OriginVary, AVariantIsRevalidatedOnItsOwn) {
  Deployment d(vary_options());
  const std::string target = "/__stub/respond?size=10&cache_control=max-age%3D1&etag=%22v1%22&vary=Accept-Language"
                             "&echo_header=Accept-Language";
  ASSERT_EQ(get_in(d, target, "fr").header("X-Cache"), "MISS");
  Response revalidated;
  ASSERT_TRUE(get_until(
      d, target, [](const Response& r) { return r.header("Cache-Status").find("detail=revalidated") != std::string::npos; },
      revalidated, {{"Accept-Language", "fr"}}))
      << revalidated.header("Cache-Status");
  EXPECT_EQ(revalidated.header("X-Echo-Accept-Language"), "fr");
  EXPECT_EQ(get_in(d, target, "fr").header("X-Cache"), "HIT") << "freshened under its variant key";
}

}  // namespace
}  // namespace foilcache::testing
