#include "proxy/cache/identity.hpp"

#include <gtest/gtest.h>

#include <set>

namespace foilcache::cache {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

config::IdentityConfig identity_config(std::string secret = "id-secret") {
  config::IdentityConfig identity;
  identity.secret = std::move(secret);
  return identity;
}

std::string id_of(const Headers& headers, const config::IdentityConfig& identity = identity_config()) {
  http::fields fields;
  for (const auto& [name, value] : headers) fields.insert(name, value);
  return user_id(fields, identity);
}

bool credentials(const Headers& headers) {
  http::fields fields;
  for (const auto& [name, value] : headers) fields.insert(name, value);
  return has_credentials(fields);
}

bool unknown_only(const Headers& headers) {
  http::fields fields;
  for (const auto& [name, value] : headers) fields.insert(name, value);
  return unknown_cookies_only(fields, identity_config());
}

TEST(Identity, AnonymousCallerWithUnknownCookiesIsTold) {
  EXPECT_TRUE(unknown_only({{"Cookie", "theme=dark; _ga=123"}}));
  EXPECT_TRUE(unknown_only({{"Cookie", "token"}}));
  EXPECT_TRUE(unknown_only({{"Cookie", " sessions = x "}}));
  EXPECT_FALSE(unknown_only({{"Cookie", "theme=dark; session=s"}}));
  EXPECT_FALSE(unknown_only({{"Cookie", "theme=dark"}, {"Cookie", "remember_token=r"}}));
  EXPECT_FALSE(unknown_only({{"Authorization", "Basic x"}, {"Cookie", "theme=dark"}}));
  EXPECT_FALSE(unknown_only({{"Cookie", "; ;"}}));
  EXPECT_FALSE(unknown_only({}));
}

TEST(Identity, NoCredentialsIsAnon) {
  EXPECT_EQ(id_of({}), "anon");
  EXPECT_EQ(id_of({{"User-Agent", "Tinfoil"}, {"Uid", "abc"}}), "anon");
  EXPECT_FALSE(credentials({{"User-Agent", "Tinfoil"}}));
}

TEST(Identity, UnlistedCookiesAreIgnored) {
  EXPECT_EQ(id_of({{"Cookie", "theme=dark; _ga=123"}}), "anon");
  EXPECT_EQ(id_of({{"Cookie", "session=s1; theme=dark"}}), id_of({{"Cookie", "session=s1; theme=light"}}));
  // Still credentials in the Safety sense: a route without {user} or shared must bypass.
  EXPECT_TRUE(credentials({{"Cookie", "theme=dark"}}));
}

TEST(Identity, IsThirtyTwoLowercaseHexAndNeverTheCredential) {
  const std::string id = id_of({{"Authorization", "Basic dXNlcjpwYXNz"}});
  ASSERT_EQ(id.size(), 32u);
  for (const char c : id) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
  EXPECT_EQ(id.find("dXNlcjpwYXNz"), std::string::npos);
  EXPECT_TRUE(credentials({{"Authorization", "Basic dXNlcjpwYXNz"}}));
}

TEST(Identity, IsStableForTheSameCredentials) {
  EXPECT_EQ(id_of({{"Authorization", "Bearer tok"}}), id_of({{"Authorization", "Bearer tok"}}));
}

TEST(Identity, CookieOrderDoesNotMatter) {
  const auto a = id_of({{"Cookie", "session=s1; remember_token=r1"}});
  EXPECT_EQ(a, id_of({{"Cookie", "remember_token=r1; session=s1"}}));
  EXPECT_EQ(a, id_of({{"Cookie", "remember_token=r1"}, {"Cookie", "session=s1"}}));
  EXPECT_EQ(a, id_of({{"Cookie", " session = s1 ;remember_token=r1;"}}));
}

TEST(Identity, DifferentSecretGivesDifferentId) {
  const Headers headers = {{"Authorization", "Bearer tok"}};
  EXPECT_NE(id_of(headers, identity_config("one")), id_of(headers, identity_config("two")));
  EXPECT_NE(id_of(headers, identity_config("")), id_of(headers, identity_config("x")));
}

TEST(Identity, ListedCookiesAreConfigurable) {
  config::IdentityConfig identity = identity_config();
  identity.cookies = {"sid"};
  EXPECT_EQ(id_of({{"Cookie", "session=s1"}}, identity), "anon");
  EXPECT_NE(id_of({{"Cookie", "sid=s1"}}, identity), "anon");
}

// Every credential set here is distinct to the app, so every id must be distinct.
TEST(Identity, DistinctCredentialsNeverCollide) {
  const std::vector<Headers> callers = {
      {},
      {{"Authorization", "Basic dXNlcjpwYXNz"}},
      {{"Authorization", "Bearer dXNlcjpwYXNz"}},
      {{"Authorization", "Basic dXNlcjpwYXNy"}},
      {{"Authorization", ""}},
      {{"Cookie", "session=s1"}},
      {{"Cookie", "session=s2"}},
      {{"Cookie", "session="}},
      {{"Cookie", "remember_token=s1"}},
      {{"Cookie", "session=s1; remember_token=r1"}},
      {{"Cookie", "session=s1r; remember_token=1"}},
      {{"Cookie", "session=s1; session=s2"}},  // the app reads the first
      {{"Cookie", "session=s2; session=s1"}},
      {{"Authorization", "Bearer x"}, {"Cookie", "session=s1"}},
      {{"Authorization", "Bearer xsession=s1"}},
      {{"Authorization", "A1:x"}},
      {{"Authorization", "Bearer x"}, {"Authorization", "Bearer y"}},
      // Would collide if parts were concatenated without their lengths.
      {{"Cookie", "remember_token=1C7:session; session="}},
      {{"Cookie", "remember_token=1; session=C7:session"}},
  };
  std::set<std::string> ids;
  for (const auto& headers : callers) ids.insert(id_of(headers));
  EXPECT_EQ(ids.size(), callers.size());
}

}  // namespace
}  // namespace foilcache::cache
