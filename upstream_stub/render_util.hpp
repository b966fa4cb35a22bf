// Shared by the stub's renderers (library_*.cpp, the route files): a RapidJSON writer shaped
// like Flask's jsonify (compact, non-ASCII escaped, keys written in sorted order by the
// caller), the hashing of the synthetic data, and small text helpers. Internal to
// upstream_stub/; header-only, pure.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace foilcache::stub::render {

inline constexpr int kVersionStep = 65536;  // Switch update versions are multiples of this

// Word tables of the synthetic names.
inline constexpr std::array<const char*, 16> kAdjectives = {
    "Super", "Mega", "Hyper", "Tiny", "Epic",  "Lost",   "Shadow", "Crystal",
    "Iron",  "Neon", "Pixel", "Cosmic", "Royal", "Wild", "Silent", "Golden"};
inline constexpr std::array<const char*, 16> kNouns = {
    "Kart",    "Quest",  "Legends", "Odyssey", "Party", "Racers",  "Tactics", "Dungeon",
    "Harvest", "Island", "Saga",    "Arena",   "Drift", "Knights", "Garden",  "Frontier"};

// ASCII output escapes non-ASCII as \uXXXX, as Python's json.dumps does by default.
using Writer = rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::ASCII<>>;

inline void key(Writer& w, std::string_view k) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}
inline void str(Writer& w, std::string_view v) {
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}
inline void kv(Writer& w, std::string_view k, std::string_view v) {
  key(w, k);
  str(w, v);
}
inline void kv(Writer& w, std::string_view k, const char* v) {
  key(w, k);
  str(w, v);
}
inline void kv(Writer& w, std::string_view k, const std::string& v) {
  key(w, k);
  str(w, v);
}
inline void kv(Writer& w, std::string_view k, bool v) {
  key(w, k);
  w.Bool(v);
}
inline void kv(Writer& w, std::string_view k, int v) {
  key(w, k);
  w.Int(v);
}
inline void kv(Writer& w, std::string_view k, std::int64_t v) {
  key(w, k);
  w.Int64(v);
}
inline void kv(Writer& w, std::string_view k, std::uint64_t v) {
  key(w, k);
  w.Uint64(v);
}
inline void kv(Writer& w, std::string_view k, double v) {
  key(w, k);
  w.Double(v);
}
inline void kv_null(Writer& w, std::string_view k) {
  key(w, k);
  w.Null();
}
// `k`: the string, or null when absent.
inline void kv_opt(Writer& w, std::string_view k, const std::optional<std::string>& v) {
  key(w, k);
  if (v) {
    str(w, *v);
  } else {
    w.Null();
  }
}
inline void str_array(Writer& w, std::string_view k, const std::vector<std::string>& values) {
  key(w, k);
  w.StartArray();
  for (const auto& v : values) str(w, v);
  w.EndArray();
}

// The buffer's JSON plus jsonify's trailing newline.
inline std::string finish(rapidjson::StringBuffer& sb) {
  std::string out(sb.GetString(), sb.GetSize());
  out.push_back('\n');
  return out;
}

inline std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

inline std::uint64_t mix(std::uint64_t a, std::uint64_t b, std::uint64_t c = 0) {
  return splitmix(a ^ splitmix(b ^ splitmix(c)));
}

inline std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    h = (h ^ c) * 0x100000001b3ull;
  }
  return h;
}

inline std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace foilcache::stub::render
