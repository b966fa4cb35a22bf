#include "proxy/config/key_template.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory_resource>
#include <stdexcept>
#include <utility>

#include "proxy/config/percent_decode.hpp"
#include "common/hex.hpp"
#include "common/text.hpp"

namespace foilcache::config {
namespace {

// Characters an escaped value may contain; a literal made only of these cannot separate
// two placeholders unambiguously.
constexpr std::string_view kValueChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-%";
// Glob metacharacters of the admin API's invalidate?pattern= (fnmatch).
constexpr std::string_view kGlobChars = "*?[]\\";

constexpr bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '~' || c == '-';
}
constexpr auto kUnreservedTable = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[c] = is_unreserved(static_cast<unsigned char>(c));
  return t;
}();

inline void append_escaped_byte(std::string& out, unsigned char c, std::string_view also_keep) {
  if (kUnreservedTable[c] || (!also_keep.empty() && also_keep.find(static_cast<char>(c)) != std::string_view::npos)) {
    out += static_cast<char>(c);
    return;
  }
  common::append_pct_upper(out, c);
}

void append_escaped_run(std::string& out, std::string_view value, std::string_view also_keep) {
  std::size_t i = 0;
  while (i < value.size()) {
    std::size_t j = i;
    while (j < value.size() && kUnreservedTable[static_cast<unsigned char>(value[j])]) ++j;
    out.append(value.data() + i, j - i);
    if (j == value.size()) break;
    append_escaped_byte(out, static_cast<unsigned char>(value[j]), also_keep);
    i = j + 1;
  }
}

// Appends the escaped form of the decoded bytes of `raw`.
void append_escaped_decoded(std::string& out, std::string_view raw, bool plus_is_space,
                            std::string_view also_keep = {}) {
  if (raw.find('%') == std::string_view::npos && (!plus_is_space || raw.find('+') == std::string_view::npos)) {
    append_escaped_run(out, raw, also_keep);  // nothing to decode
    return;
  }
  for (DecodedCursor cur(raw, plus_is_space); !cur.done();) append_escaped_byte(out, cur.next(), also_keep);
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_token_char(char c) {
  // RFC 9110 §5.6.2 tchar.
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// One `name=value` of a raw query, split but still encoded.
struct RawParam {
  std::string_view name;
  std::string_view value;
  std::size_t index = 0;  // position in the query, keeps repeated names in request order
};

// Calls fn(RawParam) for each '&'-separated parameter with a non-empty name.
template <typename Fn>
void for_each_param(std::string_view query, Fn&& fn) {
  std::size_t index = 0;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (piece.empty()) continue;
    const auto eq = piece.find('=');
    RawParam param{piece.substr(0, eq),
                   eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1), index++};
    if (param.name.empty()) continue;
    if (!fn(param)) return;
  }
}

}  // namespace

void append_escaped(std::string& out, std::string_view value, std::string_view also_keep) {
  append_escaped_run(out, value, also_keep);
}

KeyTemplate KeyTemplate::parse(std::string_view text, const PathPattern& pattern) {
  KeyTemplate result;
  result.text_ = std::string(text);
  std::string literal;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '}') throw std::invalid_argument("unbalanced '}' in key template");
    if (c != '{') {
      if (kGlobChars.find(c) != std::string_view::npos) {
        throw std::invalid_argument(std::string("key template literal must not contain '") + c +
                                    "' (reserved for invalidation patterns)");
      }
      literal += c;
      ++i;
      continue;
    }
    const auto close = text.find_first_of("{}", i + 1);
    if (close == std::string_view::npos || text[close] != '}') {
      throw std::invalid_argument("unbalanced '{' in key template");
    }
    const std::string_view body = text.substr(i + 1, close - i - 1);
    i = close + 1;
    if (!literal.empty()) result.parts_.push_back(Part{Kind::kLiteral, std::exchange(literal, {}), {}, false});
    Part part = parse_placeholder(body, pattern);
    if (part.kind == Kind::kUser) result.uses_user_ = true;
    require_separator(result.parts_, part.kind, body);
    result.parts_.push_back(std::move(part));
  }
  if (!literal.empty()) result.parts_.push_back(Part{Kind::kLiteral, std::move(literal), {}, false});
  return result;
}

KeyTemplate::Part KeyTemplate::parse_placeholder(std::string_view body, const PathPattern& pattern) {
  Part part;
  std::string_view name = body;
  std::string_view fallback;
  const auto bar = body.find('|');
  if (bar != std::string_view::npos) {
    name = body.substr(0, bar);
    fallback = body.substr(bar + 1);
    part.has_fallback = true;
  }
  auto arg = [&](std::string_view prefix) -> std::string_view {
    const auto rest = name.substr(prefix.size());
    if (rest.empty()) throw std::invalid_argument("empty name in {" + std::string(body) + "}");
    return rest;
  };
  if (name == "user") {
    part.kind = Kind::kUser;
  } else if (name == "method") {
    part.kind = Kind::kMethod;
  } else if (name == "path") {
    part.kind = Kind::kPath;
  } else if (name == "query") {
    part.kind = Kind::kAllQuery;
  } else if (name.starts_with("query.")) {
    part.kind = Kind::kQuery;
    part.text = std::string(arg("query."));
  } else if (name.starts_with("path.")) {
    part.kind = Kind::kPathParam;
    part.text = std::string(arg("path."));
    // A default-constructed pattern means the route's path is unknown (itself invalid).
    if (!pattern.text().empty() && !pattern.has_param(part.text)) {
      throw std::invalid_argument("{path." + part.text + "}: the route's path '" + pattern.text() + "' has no {" +
                                  part.text + "}");
    }
  } else if (name.starts_with("header.")) {
    part.kind = Kind::kHeader;
    const auto header = arg("header.");
    if (!std::all_of(header.begin(), header.end(), is_token_char)) {
      throw std::invalid_argument("invalid header name in {" + std::string(body) + "}");
    }
    part.text = lowercase(header);
  } else if (name.empty()) {
    throw std::invalid_argument("empty {} in key template");
  } else {
    throw std::invalid_argument("unknown placeholder {" + std::string(body) +
                                "} (expected query.NAME, path.NAME, header.NAME, user, method, path or query)");
  }
  if (part.has_fallback) {
    if (part.kind != Kind::kQuery) {
      throw std::invalid_argument("a default ('|') is only allowed in {query.NAME|DEFAULT}");
    }
    append_escaped(part.fallback, fallback);
  }
  return part;
}

void KeyTemplate::require_separator(const std::vector<Part>& parts, Kind next, std::string_view body) {
  // Adjacent placeholders need a separator no escaped value can contain, or
  // "{query.a}-{query.b}" would render a="x-y",b="z" and a="x",b="y-z" the same.
  if (parts.empty()) return;
  const Part& before = parts.back();
  const Part* previous = nullptr;
  const Part* between = nullptr;
  if (before.kind != Kind::kLiteral) {
    previous = &before;
  } else if (parts.size() >= 2) {
    between = &before;
    previous = &parts[parts.size() - 2];
  }
  if (previous == nullptr) return;
  const bool separates =
      between != nullptr && std::any_of(between->text.begin(), between->text.end(), [&](char ch) {
        return kValueChars.find(ch) == std::string_view::npos &&
               extra_value_chars(previous->kind).find(ch) == std::string_view::npos &&
               extra_value_chars(next).find(ch) == std::string_view::npos;
      });
  if (!separates) {
    throw std::invalid_argument("{" + std::string(body) +
                                "} must be separated from the placeholder before it by a character "
                                "such as ':' (otherwise different requests could share a key)");
  }
}

std::string_view KeyTemplate::extra_value_chars(Kind kind) {
  switch (kind) {
    case Kind::kPath:
      return "/";
    case Kind::kAllQuery:
      return "&=";
    default:
      return {};
  }
}

std::string KeyTemplate::render(const RenderInput& in) const {
  std::string out;
  out.reserve(text_.size() + in.path.size() + in.query.size() + in.user.size() + 16);
  for (const Part& part : parts_) {
    switch (part.kind) {
      case Kind::kLiteral:
        out += part.text;
        break;
      case Kind::kQuery: {
        bool found = false;
        for_each_param(in.query, [&](const RawParam& param) {
          if (!decodes_to(param.name, part.text, /*plus_is_space=*/true)) return true;
          found = !param.value.empty();
          if (found) append_escaped_decoded(out, param.value, /*plus_is_space=*/true);
          return false;  // first value only, as the app's request.args.get()
        });
        if (!found && part.has_fallback) out += part.fallback;
        break;
      }
      case Kind::kPathParam:
        if (in.path_params != nullptr) {
          for (const auto& [name, value] : *in.path_params) {
            if (name == part.text) {
              append_escaped(out, value);
              break;
            }
          }
        }
        break;
      case Kind::kHeader:
        if (in.headers != nullptr) {
          // Repeated fields are joined with ',' as the app's WSGI server does (RFC 9110 §5.3).
          bool first = true;
          for (auto [it, end] = in.headers->equal_range(part.text); it != end; ++it) {
            if (!first) append_escaped(out, ",");
            append_escaped(out, it->value());
            first = false;
          }
        }
        break;
      case Kind::kUser:
        append_escaped(out, in.user);
        break;
      case Kind::kMethod:
        // HEAD is answered from GET's entry.
        append_escaped(out, in.method == "HEAD" ? std::string_view("GET") : in.method);
        break;
      case Kind::kPath:
        append_escaped_decoded(out, in.path, /*plus_is_space=*/false, "/");
        break;
      case Kind::kAllQuery: {
        // Sorted by decoded name; repeated names keep request order because the app reads
        // the first one, so "?a=1&a=2" and "?a=2&a=1" must stay apart.
        alignas(RawParam) std::array<std::byte, 32 * sizeof(RawParam)> buffer;
        std::pmr::monotonic_buffer_resource arena(buffer.data(), buffer.size());
        std::pmr::vector<RawParam> params(&arena);
        params.reserve(32);
        for_each_param(in.query, [&](const RawParam& param) {
          params.push_back(param);
          return true;
        });
        std::sort(params.begin(), params.end(), [](const RawParam& a, const RawParam& b) {
          const int order = compare_decoded(a.name, b.name, /*plus_is_space=*/true);
          return order != 0 ? order < 0 : a.index < b.index;
        });
        bool first = true;
        for (const RawParam& param : params) {
          if (!first) out += '&';
          append_escaped_decoded(out, param.name, /*plus_is_space=*/true);
          out += '=';
          append_escaped_decoded(out, param.value, /*plus_is_space=*/true);
          first = false;
        }
        break;
      }
    }
  }
  return out;
}

bool KeyTemplate::renders_header(std::string_view name) const {
  return std::any_of(parts_.begin(), parts_.end(), [&](const Part& part) {
    return part.kind == Kind::kHeader && common::iequals(part.text, name);
  });
}

std::vector<std::string> render_all(const std::vector<KeyTemplate>& templates, const RenderInput& in) {
  std::vector<std::string> rendered;
  rendered.reserve(templates.size());
  for (const KeyTemplate& t : templates) rendered.push_back(t.render(in));
  return rendered;
}

}  // namespace foilcache::config
