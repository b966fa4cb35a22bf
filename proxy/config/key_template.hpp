// Cache-key templates (INTERFACE.md "Key templates"). A template is parsed once at load
// time into literal and placeholder parts; render() is on the hot path and allocates
// only the output string.
//
// Escaping: every substituted value is percent-encoded except [A-Za-z0-9._~-] (and '/'
// in {path}), so a value can never contain ':' '*' '?' '[' ']' '{' '}' or '%' raw and two
// different inputs can never render the same key. Values are decoded first exactly as the
// app decodes them (percent_decode.hpp: '+' is a space in a query, a malformed '%' stays
// literal), so requests the app tells apart never share a key.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "proxy/config/path_pattern.hpp"
#include "common/net.hpp"

namespace foilcache::config {

// What a template can read from one request.
struct RenderInput {
  std::string_view method;  // "GET" (HEAD renders as GET, so HEAD shares GET's entry)
  std::string_view path;    // raw path, without the query
  std::string_view query;   // raw query, without '?', may be empty
  const PathParams* path_params = nullptr;
  const http::fields* headers = nullptr;
  std::string_view user;  // identity::user_id() of the request ("anon" without credentials)
};

class KeyTemplate {
 public:
  KeyTemplate() = default;
  // Parses TEXT. Throws std::invalid_argument (message without location) on an unknown
  // placeholder, an unbalanced brace, an empty name, a literal containing a glob
  // character ('*?[]' or a backslash), a default on anything but {query.NAME|DEFAULT}, or
  // two placeholders not separated by a character no value can contain (such as ':').
  // `pattern` is the route's path, so {path.NAME} can be checked against it; a
  // default-constructed pattern (the route's path was invalid) skips that check.
  static KeyTemplate parse(std::string_view text, const PathPattern& pattern);

  // Hot path: allocates only the returned string (and a scratch array for {query} beyond
  // 32 parameters). {query.NAME} is the first value, as the app's request.args.get();
  // {query} is every parameter sorted by name, repeated names kept in request order;
  // {header.NAME} joins repeated fields with ','.
  std::string render(const RenderInput& in) const;
  // True when the template renders {header.NAME} (case-insensitive), e.g. for Vary checks.
  bool renders_header(std::string_view name) const;

  bool uses_user() const { return uses_user_; }
  const std::string& text() const { return text_; }

 private:
  enum class Kind {
    kLiteral,    // text copied as is
    kQuery,      // {query.NAME} / {query.NAME|DEFAULT}
    kPathParam,  // {path.NAME}
    kHeader,     // {header.NAME}
    kUser,       // {user}
    kMethod,     // {method}
    kPath,       // {path}
    kAllQuery,   // {query}
  };
  struct Part {
    Kind kind = Kind::kLiteral;
    std::string text;      // literal text or placeholder NAME
    std::string fallback;  // DEFAULT of {query.NAME|DEFAULT}, already escaped
    bool has_fallback = false;
  };
  // Bytes a placeholder of `kind` renders raw beyond the escaped alphabet.
  static std::string_view extra_value_chars(Kind kind);
  // One placeholder's BODY (the text between '{' and '}'); throws std::invalid_argument
  // as parse() does. `pattern` as in parse().
  static Part parse_placeholder(std::string_view body, const PathPattern& pattern);
  // Throws std::invalid_argument unless a placeholder of kind `next` (written {BODY}) may
  // follow `parts`: the literal between it and the placeholder before it (if any) must
  // hold a character that neither placeholder can render.
  static void require_separator(const std::vector<Part>& parts, Kind next, std::string_view body);

  std::string text_;
  std::vector<Part> parts_;
  bool uses_user_ = false;
};

// Percent-encodes everything but [A-Za-z0-9._~-] (plus the bytes in `also_keep`).
void append_escaped(std::string& out, std::string_view value, std::string_view also_keep = {});

// Every template of `templates` rendered with `in` (scoped tags: "library:{user}").
std::vector<std::string> render_all(const std::vector<KeyTemplate>& templates, const RenderInput& in);

}  // namespace foilcache::config
