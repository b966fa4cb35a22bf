// The one table of the keys each mapping of a config file may have. The loader reads its
// allow-lists from it; tests/unit/config/schema_test.cpp checks conf/foilcache.schema.json
// lists the same keys.
#pragma once

#include <string_view>
#include <vector>

namespace foilcache::config {

// The keys one mapping of the file may have; any other key there is an error.
struct KeySet {
  // Where the mapping is: "" (the top level), a section ("redis", "timeouts", "l1", ...),
  // or a list's entries with "[]" ("routes[]": each route, "warm[]": each warm request).
  std::string_view section;
  std::vector<std::string_view> keys;  // in the order of the config reference
};
// Every mapping with a fixed set of keys, exactly as the loader checks them.
// Mappings whose keys are free (webhooks.events: event names; warm[].headers: header
// names) are not in it. Static storage; safe to call from any thread.
const std::vector<KeySet>& config_keys();

// The keys of `section` in config_keys(). Precondition: the section is in the table (one
// that is not is a programming error: std::logic_error).
const std::vector<std::string_view>& keys_of(std::string_view section);

}  // namespace foilcache::config
