#include <random>
#include <string>

#include <gtest/gtest.h>

#include "proxy/cache/entry.hpp"
#include "proxy/cache/entry_codec.hpp"

namespace foilcache::cache {
namespace {

Entry sample_entry() {
  Entry entry;
  entry.status = 200;
  entry.headers = {{"Content-Type", "application/json"}, {"X-Total-Count", "1234"}, {"ETag", "\"abc\""}};
  entry.body = R"({"items":[1,2,3]})";
  entry.stored_at_ms = 1'700'000'000'123;
  entry.ttl_s = 300;
  entry.route = "library_paged";
  entry.tags = {{"library", 3}, {"titledb", 0}};
  return entry;
}

void expect_equal(const Entry& expected, const Entry& actual) {
  EXPECT_EQ(expected.status, actual.status);
  EXPECT_EQ(expected.headers, actual.headers);
  EXPECT_EQ(expected.body, actual.body);
  EXPECT_EQ(expected.stored_at_ms, actual.stored_at_ms);
  EXPECT_EQ(expected.ttl_s, actual.ttl_s);
  EXPECT_EQ(expected.route, actual.route);
  EXPECT_EQ(expected.tags, actual.tags);
}

struct RoundTripCase {
  const char* name;
  Entry entry;
};

class EntryCodecRoundTrip : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(EntryCodecRoundTrip, DecodesWhatWasEncoded) {
  const Entry& entry = GetParam().entry;
  const std::string bytes = encode_entry(entry);
  EntryPtr decoded = decode_entry(bytes);
  ASSERT_NE(decoded, nullptr);
  expect_equal(entry, *decoded);
}

RoundTripCase with(const char* name, void (*change)(Entry&)) {
  Entry entry = sample_entry();
  change(entry);
  return {name, std::move(entry)};
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EntryCodecRoundTrip,
    ::testing::Values(
        with("Baseline", [](Entry&) {}),
        with("EmptyEverything", [](Entry& e) { e = Entry{}; }),
        with("NoHeaders", [](Entry& e) { e.headers.clear(); }),
        with("EmptyBody", [](Entry& e) { e.body.clear(); }),
        with("BinaryBodyWithNulAndCrlf", [](Entry& e) { e.body = std::string("a\0b\r\n\xff\x00z", 8); }),
        with("LargeBody", [](Entry& e) { e.body.assign(3u << 20, 'x'); }),
        with("EmptyHeaderValue", [](Entry& e) { e.headers.emplace_back("X-Empty", ""); }),
        with("ManyHeaders", [](Entry& e) { for (int i = 0; i < 200; ++i) e.headers.emplace_back("X-H" + std::to_string(i), std::string(i, 'v')); }),
        with("Utf8Route", [](Entry& e) { e.route = "caf\xc3\xa9"; }),
        with("StatusNotModified", [](Entry& e) { e.status = 304; }),
        with("NegativeStoredAt", [](Entry& e) { e.stored_at_ms = -5; }),
        with("MaxTtl", [](Entry& e) { e.ttl_s = 0xffffffffu; }),
        with("NoTags", [](Entry& e) { e.tags.clear(); }),
        with("MaxGeneration", [](Entry& e) { e.tags = {{"library", ~std::uint64_t{0}}}; })),
    [](const auto& info) { return std::string(info.param.name); });

TEST(EntryCodec, EveryTruncationIsRejected) {
  const std::string bytes = encode_entry(sample_entry());
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    EXPECT_EQ(decode_entry(std::string_view(bytes).substr(0, length)), nullptr) << "length " << length;
  }
}

TEST(EntryCodec, TrailingBytesAreRejected) {
  EXPECT_EQ(decode_entry(encode_entry(sample_entry()) + "x"), nullptr);
}

TEST(EntryCodec, WrongMagicOrVersionIsRejected) {
  const std::string good = encode_entry(sample_entry());
  for (std::size_t i = 0; i < 4; ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    EXPECT_EQ(decode_entry(bad), nullptr) << "byte " << i;
  }
}

TEST(EntryCodec, PlainJsonValueIsRejected) {
  EXPECT_EQ(decode_entry(R"({"status":200,"body":"x"})"), nullptr);
  EXPECT_EQ(decode_entry(""), nullptr);
}

TEST(EntryCodec, HugeClaimedTagOrHeaderCountIsRejectedWithoutAllocating) {
  Entry entry;
  std::string bytes = encode_entry(entry);
  // The tag count sits after magic(3) version(1) status(2) stored_at(8) ttl(4) route(4+0),
  // the header count after the tag count (no tags).
  const std::size_t tag_count_offset = 3 + 1 + 2 + 8 + 4 + 4;
  for (const std::size_t offset : {tag_count_offset, tag_count_offset + 4}) {
    std::string bad = bytes;
    for (std::size_t i = 0; i < 4; ++i) bad[offset + i] = '\xff';
    EXPECT_EQ(decode_entry(bad), nullptr) << "offset " << offset;
  }
}

TEST(EntryCodec, HugeClaimedLengthsAreRejected) {
  Entry entry = sample_entry();
  std::string bytes = encode_entry(entry);
  const std::size_t route_length_offset = 3 + 1 + 2 + 8 + 4;
  std::string bad_route = bytes;
  for (std::size_t i = 0; i < 4; ++i) bad_route[route_length_offset + i] = '\xff';
  EXPECT_EQ(decode_entry(bad_route), nullptr);
  std::string bad_body = bytes;
  const std::size_t body_length_offset = bytes.size() - entry.body.size() - 8;
  for (std::size_t i = 0; i < 8; ++i) bad_body[body_length_offset + i] = '\xff';
  EXPECT_EQ(decode_entry(bad_body), nullptr);
}

TEST(EntryCodec, RandomBytesNeverCrash) {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> length(0, 256);
  const std::string good = encode_entry(sample_entry());
  for (int i = 0; i < 20'000; ++i) {
    std::string bytes(length(rng), '\0');
    for (auto& c : bytes) c = static_cast<char>(byte(rng));
    // Half of the inputs start with a valid prefix, so the decoder gets past the magic.
    if (i % 2 == 0) bytes.insert(0, good.substr(0, std::min(good.size(), bytes.size() / 2 + 4)));
    EntryPtr decoded = decode_entry(bytes);
    if (decoded) {
      EXPECT_EQ(encode_entry(*decoded), bytes);  // anything accepted re-encodes exactly
    }
  }
}

TEST(EntryCodec, SingleByteMutationsDecodeOrFailCleanly) {
  const std::string good = encode_entry(sample_entry());
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (int delta : {1, 0x80, 0xff}) {
      std::string bytes = good;
      bytes[i] = static_cast<char>(static_cast<unsigned char>(bytes[i]) + delta);
      EntryPtr decoded = decode_entry(bytes);
      if (decoded) {
        EXPECT_EQ(encode_entry(*decoded), bytes);
      }
    }
  }
}

// A compressible sample: 25 KB of library-page-like JSON.
Entry compressed_entry() {
  Entry entry = sample_entry();
  entry.body.clear();
  for (int i = 0; entry.body.size() < 25'000; ++i) {
    entry.body += R"({"id":"0100000000010000","name":"Game )" + std::to_string(i) + R"(","size":123456789},)";
  }
  compress_entry(entry);
  finish_entry(entry);
  return entry;
}

TEST(EntryCodecCompression, StoresOnlyTheGzipAndInflatesOnDemand) {
  const Entry entry = compressed_entry();
  ASSERT_TRUE(entry.compressed());
  EXPECT_EQ(entry.identity_size, entry.body.size());
  EXPECT_LT(entry.gzip.size(), entry.body.size() / 4);
  EXPECT_LE(entry.gzip.capacity(), entry.gzip.size() + 64) << "no deflateBound-sized slack kept";
  EXPECT_EQ(entry.headers.back(), (std::pair<std::string, std::string>{"Vary", "Accept-Encoding"}));
  EXPECT_NE(entry.gzip_head.find("Content-Encoding: gzip\r\n"), std::string::npos);
  EXPECT_NE(entry.gzip_head.find("ETag: \"abc-gzip\"\r\n"), std::string::npos);
  EXPECT_EQ(entry.head.find("Content-Encoding"), std::string::npos);
  EXPECT_NE(entry.head.find("ETag: \"abc\"\r\n"), std::string::npos);

  const std::string bytes = encode_entry(entry);
  EXPECT_LT(bytes.size(), entry.gzip.size() + 300) << "the identity body is not stored";
  EntryPtr decoded = decode_entry(bytes);
  ASSERT_NE(decoded, nullptr);
  EXPECT_TRUE(decoded->body.empty());
  EXPECT_EQ(decoded->gzip, entry.gzip);
  EXPECT_EQ(decoded->head, entry.head);
  EXPECT_EQ(decoded->gzip_head, entry.gzip_head);
  EXPECT_GE(decoded->approx_bytes(), entry.identity_size + entry.gzip.size()) << "counts the identity body before inflating it";
  const std::string* identity = decoded->identity();
  ASSERT_NE(identity, nullptr);
  EXPECT_EQ(*identity, entry.body);
  EXPECT_EQ(decoded->identity(), identity) << "inflated once";
  EXPECT_EQ(encode_entry(*decoded), bytes);
}

TEST(EntryCodecCompression, IncompressibleBodiesStayAsTheyAre) {
  Entry entry = sample_entry();
  std::mt19937 rng(7);
  entry.body.resize(4000);
  for (auto& c : entry.body) c = static_cast<char>(rng());
  compress_entry(entry);
  finish_entry(entry);
  EXPECT_FALSE(entry.compressed());
  EXPECT_TRUE(entry.gzip_head.empty());
  EXPECT_EQ(entry.headers, sample_entry().headers) << "no Vary for a body that has one variant";
}

TEST(EntryCodecCompression, ADamagedGzipIsNotServedAsIdentity) {
  const Entry entry = compressed_entry();
  std::string bytes = encode_entry(entry);
  bytes[bytes.size() - 20] = static_cast<char>(bytes[bytes.size() - 20] ^ 0x55);
  EntryPtr decoded = decode_entry(bytes);
  ASSERT_NE(decoded, nullptr) << "decoding does not inflate";
  EXPECT_EQ(decoded->identity(), nullptr);
}

TEST(EntryCodecCompression, AForgedIdentitySizeIsRejectedWithoutAllocating) {
  const Entry entry = compressed_entry();
  std::string bytes = encode_entry(entry);
  // The identity size is the u64 before the body length (u64) and the gzip member.
  const std::size_t offset = bytes.size() - entry.gzip.size() - 16;
  for (std::size_t i = 0; i < 8; ++i) bytes[offset + i] = i == 7 ? '\x7f' : '\xff';
  EXPECT_EQ(decode_entry(bytes), nullptr);
}

}  // namespace
}  // namespace foilcache::cache
