// Key templates: KeyTemplate::parse of a route's `key:` (and of a PathPattern it is checked
// against), then render() of a request the client controls: path, query and headers.
// Input, one field a line: route path, template, request path, query, then header lines
// "Name: value".
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "fuzz/fuzz_input.hpp"
#include "proxy/config/key_template.hpp"
#include "proxy/config/path_pattern.hpp"

using namespace foilcache;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Fields in(data, size);
  const auto route_path = in.next();
  const auto text = in.next();
  config::PathPattern pattern;
  try {
    pattern = config::PathPattern::parse(route_path);
  } catch (const std::invalid_argument&) {
    // The loader reports it and still checks the key against no pattern.
  }
  config::KeyTemplate key;
  try {
    key = config::KeyTemplate::parse(text, pattern);
  } catch (const std::invalid_argument&) {
    return 0;
  }
  const auto path = in.next();
  const auto query = in.next();
  http::fields headers;
  while (!in.empty()) {
    const auto line = in.next();
    const auto colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) continue;
    try {
      headers.insert(line.substr(0, colon), line.substr(colon + 1));
    } catch (const std::exception&) {
      // Beast refuses some names and values; the session never holds such a field.
    }
  }
  config::PathParams params;
  (void)pattern.match(path, params);
  const config::RenderInput request{"GET", path, query, &params, &headers, "anon"};
  const std::string rendered = key.render(request);
  if (headers.begin() != headers.end()) {
    const auto name = headers.begin()->name_string();
    (void)key.renders_header(std::string_view(name.data(), name.size()));
  }
  // A rendered key never holds a glob character raw (key_template.hpp, "Escaping").
  for (const char c : rendered) {
    if (c == '*' || c == '?' || c == '[' || c == ']') __builtin_trap();
  }
  return 0;
}
