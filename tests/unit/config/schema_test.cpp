// conf/foilcache.schema.json (what editors check a config file against) and the loader
// (what foilcache checks it against) must agree: the same keys in every mapping, every
// shipped config valid, and the same verdict on documents that differ from a good one in
// one field.
//
// YAML -> JSON: scalars are typed the way an editor's YAML language server types them
// (YAML 1.2 core schema): a plain `300` is an integer, `true` a boolean, `5m` a string,
// an empty value null, and a quoted scalar always a string. Keeping every scalar a string
// would be simpler but would test a document no editor ever sees: the schema must accept
// `ttl: 300` as an integer and `shared: true` as a boolean, and only typed conversion
// proves it does (the loader reads the scalar's text either way, so it accepts both forms).
//
// Known, deliberate gaps: the schema is looser than the loader on what JSON Schema cannot
// say (a route's `shared: true` with {user} in its key, reconnect_min <= reconnect_max, a
// warm url matching a route, duplicate route names, placeholder syntax in keys, path
// pattern details, "0s" where a duration must be positive, ranges of integers written as
// strings, placeholder syntax in tag templates). Those stay `foilcache --check-config`'s job.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/internal/regex.h>
#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "proxy/config/config_keys.hpp"
#include "proxy/config/config_loader.hpp"

namespace foilcache::config {

void PrintTo(const KeySet& set, std::ostream* os) { *os << "section '" << set.section << "'"; }

namespace {

const std::filesystem::path kSourceDir(SOURCE_DIR);
const std::filesystem::path kSchemaPath = kSourceDir / "conf" / "foilcache.schema.json";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::ostringstream out;
  out << file.rdbuf();
  return out.str();
}

// The schema document, parsed once (the validator's SchemaDocument refers into it).
const rapidjson::Document& schema_json() {
  static const rapidjson::Document doc = [] {
    rapidjson::Document d;
    d.Parse(read_file(kSchemaPath).c_str());
    return d;
  }();
  return doc;
}

const rapidjson::SchemaDocument& schema_document() {
  static const rapidjson::SchemaDocument doc(schema_json());
  return doc;
}

// NODE with a local "$ref" ("#/definitions/...") followed.
const rapidjson::Value& resolve(const rapidjson::Value& node) {
  if (!node.IsObject() || !node.HasMember("$ref")) return node;
  const std::string ref = node["$ref"].GetString();
  const rapidjson::Value* target =
      ref.starts_with("#") ? rapidjson::Pointer(ref.substr(1).c_str()).Get(schema_json()) : nullptr;
  if (target == nullptr) throw std::runtime_error("unresolvable $ref " + ref);
  return resolve(*target);
}

// Every mapping with fixed keys in the schema, named like config_keys() sections: "" for
// the root, "redis", "routes[]" for the items of the `routes` list, ...
void collect_sections(const rapidjson::Value& node, const std::string& path,
                      std::map<std::string, std::set<std::string>>& out) {
  const rapidjson::Value& schema = resolve(node);
  if (!schema.IsObject()) return;
  if (schema.HasMember("properties")) {
    auto& keys = out[path];
    for (const auto& property : schema["properties"].GetObject()) {
      const std::string name = property.name.GetString();
      keys.insert(name);
      collect_sections(property.value, path.empty() ? name : path + "." + name, out);
    }
  }
  if (schema.HasMember("items") && schema["items"].IsObject()) collect_sections(schema["items"], path + "[]", out);
  // A mapping of free keys whose values are mappings with fixed keys (events: name ->
  // {when, tags}) is the section "<path>.*". `webhooks.events` is an alias of `events`.
  if (schema.HasMember("additionalProperties") && schema["additionalProperties"].IsObject()) {
    const rapidjson::Value& values = resolve(schema["additionalProperties"]);
    const std::string free = (path == "webhooks.events" ? std::string("events") : path) + ".*";
    if (values.IsObject() && values.HasMember("anyOf")) {
      for (const auto& choice : values["anyOf"].GetArray()) collect_sections(choice, free, out);
    } else {
      collect_sections(values, free, out);
    }
  }
}

std::map<std::string, std::set<std::string>> schema_sections() {
  std::map<std::string, std::set<std::string>> sections;
  collect_sections(schema_json(), "", sections);
  return sections;
}

std::string listed(const std::set<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return "{" + out + "}";
}

// YAML 1.2 core schema resolution of a plain scalar, as yaml-language-server does it.
void plain_scalar(const std::string& text, rapidjson::Value& out, rapidjson::Document::AllocatorType& alloc) {
  static const std::regex kNull("~|null|Null|NULL|");
  static const std::regex kTrue("true|True|TRUE");
  static const std::regex kFalse("false|False|FALSE");
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (std::regex_match(text, kNull)) {
    out.SetNull();
  } else if (std::regex_match(text, kTrue)) {
    out.SetBool(true);
  } else if (std::regex_match(text, kFalse)) {
    out.SetBool(false);
  } else if (std::regex_match(text, kInt)) {
    try {
      if (text.starts_with('-')) {
        out.SetInt64(std::stoll(text));
      } else {
        out.SetUint64(std::stoull(text));
      }
    } catch (const std::out_of_range&) {
      out.SetDouble(std::stod(text));
    }
  } else if (std::regex_match(text, kFloat)) {
    out.SetDouble(std::stod(text));
  } else {
    out.SetString(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), alloc);
  }
}

void to_json(const YAML::Node& node, rapidjson::Value& out, rapidjson::Document::AllocatorType& alloc) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out.SetNull();
      return;
    case YAML::NodeType::Scalar:
      // yaml-cpp tags a plain scalar "?" and a quoted one "!" (never resolved: a string).
      if (node.Tag() == "?") {
        plain_scalar(node.Scalar(), out, alloc);
      } else {
        out.SetString(node.Scalar().c_str(), static_cast<rapidjson::SizeType>(node.Scalar().size()), alloc);
      }
      return;
    case YAML::NodeType::Sequence:
      out.SetArray();
      for (const auto& item : node) {
        rapidjson::Value value;
        to_json(item, value, alloc);
        out.PushBack(value, alloc);
      }
      return;
    case YAML::NodeType::Map:
      out.SetObject();
      for (const auto& item : node) {
        rapidjson::Value key(item.first.Scalar().c_str(), static_cast<rapidjson::SizeType>(item.first.Scalar().size()),
                             alloc);
        rapidjson::Value value;
        to_json(item.second, value, alloc);
        out.AddMember(key, value, alloc);
      }
      return;
  }
}

rapidjson::Document yaml_to_json(const std::string& yaml) {
  rapidjson::Document doc;
  to_json(YAML::Load(yaml), doc, doc.GetAllocator());
  return doc;
}

// "" when DOC is valid against the schema, else where and why not.
std::string schema_errors(const rapidjson::Document& doc) {
  rapidjson::SchemaValidator validator(schema_document());
  if (doc.Accept(validator)) return "";
  rapidjson::StringBuffer schema_at;
  rapidjson::StringBuffer document_at;
  validator.GetInvalidSchemaPointer().StringifyUriFragment(schema_at);
  validator.GetInvalidDocumentPointer().StringifyUriFragment(document_at);
  return std::string("document ") + document_at.GetString() + " fails '" + validator.GetInvalidSchemaKeyword() +
         "' of schema " + schema_at.GetString();
}

// "" when the loader accepts YAML (no environment variables set), else its errors.
std::string loader_errors(const std::string& yaml) {
  try {
    load_config_string(yaml, "case.yaml", [](const std::string&) { return std::optional<std::string>(); });
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// Applies CHECK to every object of the schema, with its JSON pointer.
void for_each_object(const rapidjson::Value& node, const std::string& at,
                     const std::function<void(const rapidjson::Value&, const std::string&)>& check) {
  if (node.IsObject()) {
    check(node, at);
    for (const auto& member : node.GetObject()) for_each_object(member.value, at + "/" + member.name.GetString(), check);
  } else if (node.IsArray()) {
    for (rapidjson::SizeType i = 0; i < node.Size(); ++i) for_each_object(node[i], at + "/" + std::to_string(i), check);
  }
}

TEST(Schema, IsDraft04Json) {
  ASSERT_FALSE(schema_json().HasParseError()) << kSchemaPath << ": JSON parse error at offset "
                                              << schema_json().GetErrorOffset();
  ASSERT_TRUE(schema_json().IsObject());
  EXPECT_STREQ(schema_json()["$schema"].GetString(), "http://json-schema.org/draft-04/schema#");
}

// additionalProperties: false, or {"not": {}} (the same: nothing else is allowed) where
// patternProperties name the keys, as RapidJSON 1.1.0 mishandles patternProperties next to
// additionalProperties: false (Tencent/rapidjson#825). Only events (and its alias webhooks.events)
// has free keys.
bool rejects_other_keys(const rapidjson::Value& node) {
  if (!node.HasMember("additionalProperties")) return false;
  const auto& additional = node["additionalProperties"];
  if (additional.IsFalse()) return true;
  return node.HasMember("patternProperties") && additional.IsObject() && additional.HasMember("not") &&
         additional["not"].IsObject() && additional["not"].ObjectEmpty();
}

TEST(Schema, EveryMappingRejectsUnknownKeysAndEveryKeyIsDescribed) {
  for_each_object(schema_json(), "", [](const rapidjson::Value& node, const std::string& at) {
    // A branch of anyOf (or a not) only constrains a mapping the enclosing schema defines
    // (e.g. a route's ttl and key are required when its match is GET): not a mapping itself.
    if (at.find("/anyOf/") != std::string::npos || at.find("/not") != std::string::npos) return;
    if (node.HasMember("properties") || node.HasMember("patternProperties")) {
      EXPECT_TRUE(rejects_other_keys(node)) << at << ": unknown keys are errors in the loader";
    }
    if (node.HasMember("properties")) {
      for (const auto& property : node["properties"].GetObject()) {
        EXPECT_TRUE(property.value.HasMember("description"))
            << at << "/properties/" << property.name.GetString() << " has no description (editors show it)";
      }
    }
  });
}

// RapidJSON silently ignores a pattern its own regex engine cannot compile, and editors use
// ECMAScript regexes: every pattern must compile in both.
TEST(Schema, EveryPatternCompilesForRapidJsonAndEditors) {
  std::vector<std::string> patterns;
  for_each_object(schema_json(), "", [&](const rapidjson::Value& node, const std::string&) {
    if (node.HasMember("pattern") && node["pattern"].IsString()) patterns.emplace_back(node["pattern"].GetString());
    if (node.HasMember("patternProperties")) {
      for (const auto& p : node["patternProperties"].GetObject()) patterns.emplace_back(p.name.GetString());
    }
  });
  ASSERT_GT(patterns.size(), 10u);
  for (const auto& pattern : patterns) {
    EXPECT_TRUE(rapidjson::internal::Regex(pattern.c_str()).IsValid()) << "RapidJSON cannot compile " << pattern;
    EXPECT_NO_THROW(std::regex(pattern, std::regex::ECMAScript)) << pattern;
  }
}

TEST(Schema, HasTheLoadersSections) {
  std::set<std::string> loader;
  for (const auto& set : config_keys()) {
    EXPECT_TRUE(loader.insert(std::string(set.section)).second) << "section '" << set.section << "' twice";
  }
  std::set<std::string> schema;
  for (const auto& [section, keys] : schema_sections()) schema.insert(section);
  EXPECT_EQ(schema, loader) << "schema sections " << listed(schema) << ", loader sections " << listed(loader);
}

class SchemaKeys : public ::testing::TestWithParam<KeySet> {};

TEST_P(SchemaKeys, SameAsTheLoader) {
  const KeySet& set = GetParam();
  const std::set<std::string> loader(set.keys.begin(), set.keys.end());
  EXPECT_EQ(loader.size(), set.keys.size()) << "a key listed twice";
  const auto sections = schema_sections();
  const auto it = sections.find(std::string(set.section));
  ASSERT_NE(it, sections.end()) << "the schema has no mapping for section '" << set.section << "'";
  std::set<std::string> only_schema;
  std::set<std::string> only_loader;
  std::set_difference(it->second.begin(), it->second.end(), loader.begin(), loader.end(),
                      std::inserter(only_schema, only_schema.end()));
  std::set_difference(loader.begin(), loader.end(), it->second.begin(), it->second.end(),
                      std::inserter(only_loader, only_loader.end()));
  EXPECT_TRUE(only_schema.empty()) << "in the schema, rejected by the loader: " << listed(only_schema);
  EXPECT_TRUE(only_loader.empty()) << "accepted by the loader, missing from the schema: " << listed(only_loader);
}

INSTANTIATE_TEST_SUITE_P(Sections, SchemaKeys, ::testing::ValuesIn(config_keys()),
                         [](const ::testing::TestParamInfo<KeySet>& info) {
                           std::string name = info.param.section.empty() ? "top" : std::string(info.param.section);
                           if (name.ends_with("[]")) name.replace(name.size() - 2, 2, "_items");
                           if (name.ends_with(".*")) name.replace(name.size() - 2, 2, "_values");
                           std::replace(name.begin(), name.end(), '.', '_');
                           return name;
                         });

TEST(SchemaYamlToJson, TypesScalarsLikeAnEditor) {
  const auto doc = yaml_to_json("a: 300\nb: \"300\"\nc: 5m\nd: true\ne: 'true'\nf:\ng: ~\nh: yes\ni: -3\nj: 1.5\n");
  ASSERT_TRUE(doc.IsObject());
  EXPECT_TRUE(doc["a"].IsUint64() && doc["a"].GetUint64() == 300);
  EXPECT_TRUE(doc["b"].IsString());
  EXPECT_TRUE(doc["c"].IsString());
  EXPECT_TRUE(doc["d"].IsBool() && doc["d"].GetBool());
  EXPECT_TRUE(doc["e"].IsString());
  EXPECT_TRUE(doc["f"].IsNull());
  EXPECT_TRUE(doc["g"].IsNull());
  EXPECT_TRUE(doc["h"].IsString()) << "YAML 1.2: yes is a string";
  EXPECT_TRUE(doc["i"].IsInt64() && doc["i"].GetInt64() == -3);
  EXPECT_TRUE(doc["j"].IsDouble());
}

// The config files in the repository: conf/, the unit tests' good file, the benchmarks'.
std::vector<std::filesystem::path> shipped_configs() {
  std::vector<std::filesystem::path> files{kSourceDir / "conf" / "foilcache.yaml",
                                           kSourceDir / "tests" / "unit" / "config" / "data" / "good.yaml"};
  std::vector<std::filesystem::path> bench;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kSourceDir / "bench", ec)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) bench.push_back(entry.path());
  }
  std::sort(bench.begin(), bench.end());
  files.insert(files.end(), bench.begin(), bench.end());
  return files;
}

TEST(SchemaShippedConfigs, ValidateAgainstTheSchema) {
  const auto files = shipped_configs();
  ASSERT_GE(files.size(), 3u) << "conf/foilcache.yaml, good.yaml and at least one bench/*.yaml";
  for (const auto& path : files) {
    SCOPED_TRACE(path.string());
    const std::string yaml = read_file(path);
    ASSERT_FALSE(yaml.empty()) << "unreadable or empty";
    rapidjson::Document doc;
    ASSERT_NO_THROW(doc = yaml_to_json(yaml));
    EXPECT_EQ(schema_errors(doc), "");
  }
}

// The shipped config and the bench config name the schema for editors, by a path relative
// to themselves that resolves to the schema.
TEST(SchemaShippedConfigs, NameTheSchemaOnTheirFirstLine) {
  for (const auto& path : {kSourceDir / "conf" / "foilcache.yaml", kSourceDir / "bench" / "foilcache-bench.yaml"}) {
    std::ifstream file(path);
    std::string first;
    std::getline(file, first);
    const std::string prefix = "# yaml-language-server: $schema=";
    ASSERT_TRUE(first.starts_with(prefix)) << path << ": " << first;
    const auto target = std::filesystem::weakly_canonical(path.parent_path() / first.substr(prefix.size()));
    EXPECT_EQ(target, std::filesystem::weakly_canonical(kSchemaPath)) << path;
  }
}

// A small valid config with one change, and whether both must accept it.
struct AgreementCase {
  std::string name;
  std::string top;                                  // YAML added before `routes:`
  std::map<std::string, std::string> route;         // route fields replaced; "" removes one
  bool valid;
  std::string whole = {};                           // non-empty: the whole document instead
};

void PrintTo(const AgreementCase& c, std::ostream* os) { *os << c.name; }

std::string document(const AgreementCase& c) {
  if (!c.whole.empty()) return c.whole;
  std::map<std::string, std::string> route{
      {"name", "tags"}, {"match", "GET /api/tags"}, {"ttl", "10m"}, {"key", "\"tags:{user}\""}, {"tags", "[library]"}};
  for (const auto& [key, value] : c.route) {
    if (value.empty()) {
      route.erase(key);
    } else {
      route[key] = value;
    }
  }
  std::string yaml = c.top + "routes:\n";
  const char* indent = "  - ";
  for (const auto& [key, value] : route) {
    yaml += indent + key + ": " + value + "\n";
    indent = "    ";
  }
  return yaml;
}

class SchemaAgreement : public ::testing::TestWithParam<AgreementCase> {};

TEST_P(SchemaAgreement, SchemaAndLoaderGiveTheSameVerdict) {
  const AgreementCase& c = GetParam();
  const std::string yaml = document(c);
  const std::string loader = loader_errors(yaml);
  const std::string schema = schema_errors(yaml_to_json(yaml));
  if (c.valid) {
    EXPECT_EQ(loader, "") << yaml;
    EXPECT_EQ(schema, "") << yaml;
  } else {
    EXPECT_NE(loader, "") << "the loader accepts:\n" << yaml;
    EXPECT_NE(schema, "") << "the schema accepts:\n" << yaml;
  }
}

const AgreementCase kAgreementCases[] = {
    {"Baseline", "", {}, true},
    {"IntegerSecondsTtl", "", {{"ttl", "300"}}, true},
    {"CompoundDuration", "", {{"ttl", "1h30m"}}, true},
    {"EnvironmentWithDefaultInTypedValues",
     "threads: ${FOILCACHE_THREADS:-2}\ntrust_forwarded_headers: ${TRUST:-false}\nlimits:\n  max_entry_bytes: "
     "${MAX:-8MiB}\n",
     {{"ttl", "${TTL:-5m}"}},
     true},
    {"QuotedNumbersAndBooleans", "threads: \"2\"\n", {{"l1", "\"false\""}}, true},
    {"ZeroWhereZeroMeansOff", "timeouts:\n  drain: 0\n  coalesce_wait: 0\nlimits:\n  upstream_pool_size: 0\n",
     {{"stale_if_error", "0"}, {"stale_while_revalidate", "0s"}},
     true},
    {"EveryNewKey",
     "l1:\n  enabled: false\n  max_bytes: 64MiB\n  max_staleness: 250ms\nlimits:\n  warm_concurrency: 8\ntimeouts:\n  "
     "coalesce_wait: 2s\nwarm:\n  - url: /api/tags?x=1\n    headers:\n      Authorization: \"Basic abc\"\n",
     {{"l1", "false"}, {"stale_while_revalidate", "30s"}, {"stale_if_error", "10m"}},
     true},
    {"EmptySections", "redis:\nlog:\nadmin:\nwebhooks:\n", {{"tags", ""}}, true},
    {"SharedRoute", "", {{"key", "\"tags\""}, {"shared", "true"}, {"statuses", "[200, 404]"}}, true},
    {"WebhookEvents", "webhooks:\n  secret: s\n  events:\n    library_updated: [library]\n    noop:\n", {}, true},
    {"Everything",
     "listen: \"[::1]:8080\"\nupstream: http://app:5000\nredis:\n  url: redis://:pw@r:6379/1\n  prefix: \"x:\"\n  "
     "timeout: 50ms\nmemory:\n  max_bytes: 1 GiB\nidentity:\n  cookies: [session]\nlog:\n  level: debug\n  access: "
     "false\n",
     {{"max_entry_bytes", "1MiB"}},
     true},

    {"EventsWithConditions",
     "events:\n  library_updated: [library]\n  job_update:\n    when: {status: completed, type: [metadata_fetch, "
     "titledb_update]}\n    tags: [library, system]\n  notification:\n",
     {},
     true},
    {"Feeds", "feeds:\n  socketio:\n    url: redis://:pw@app-redis:6379/0\n    channel: flask-socketio\n    "
     "max_staleness: 10s\n    burst_window: 0\n", {}, true},
    {"ScopedTagsAndContentTypes", "", {{"tags", "[library, \"library:{user}\"]"}, {"content_types", "[\"image/*\"]"}}, true},
    {"WriteRoute", "", {{"match", "\"POST /api/library/ignore/{tid}\""}, {"ttl", ""}, {"key", ""}, {"tags", ""},
                        {"invalidates", "[\"library:{user}\"]"}}, true},
    {"WriteRouteWithTtl", "", {{"match", "\"POST /api/x\""}, {"key", ""}, {"tags", ""}, {"invalidates", "[library]"}},
     false},
    {"WriteRouteWithoutInvalidates", "", {{"match", "\"DELETE /api/x\""}, {"ttl", ""}, {"key", ""}, {"tags", ""}},
     false},
    {"GetRouteWithInvalidates", "", {{"invalidates", "[library]"}}, false},
    {"BadContentType", "", {{"content_types", "[image]"}}, false},
    {"EventRuleWithoutTags", "events:\n  job_update:\n    when: {status: completed}\n", {}, false},
    {"UnknownEventRuleKey", "events:\n  job_update:\n    tag: [library]\n", {}, false},
    {"UnknownFeedKey", "feeds:\n  socketio:\n    uri: redis://x\n", {}, false},
    {"OptionsRoute", "", {{"match", "\"OPTIONS /api/x\""}}, false},
    {"UnknownTopLevelKey", "listen_port: 8080\n", {}, false},
    {"UnknownRouteKey", "", {{"ttl_seconds", "5"}}, false},
    {"UnknownRedisKey", "redis:\n  timout: 50ms\n", {}, false},
    {"UnknownL1Key", "l1:\n  size: 1MiB\n", {}, false},
    {"UnknownWarmKey", "warm:\n  - url: /api/tags\n    header: {A: b}\n", {}, false},
    {"ThreadsNotANumber", "threads: many\n", {}, false},
    {"ThreadsOutOfRange", "threads: 5000\n", {}, false},
    {"BooleanTtl", "", {{"ttl", "true"}}, false},
    {"DurationWords", "", {{"ttl", "5 minutes"}}, false},
    {"DurationUnitsOutOfOrder", "", {{"ttl", "30m1h"}}, false},
    {"NegativeDuration", "redis:\n  timeout: -50ms\n", {}, false},
    {"ZeroTtl", "", {{"ttl", "0"}}, false},
    {"YesIsNotABoolean", "", {{"shared", "yes"}}, false},
    {"ListWhereMappingExpected", "redis: [a]\n", {}, false},
    {"RoutesAsMapping", "", {}, false, "routes:\n  name: tags\n"},
    {"UnknownLogLevel", "log:\n  level: verbose\n", {}, false},
    {"PostRoute", "", {{"match", "POST /api/tags"}}, false},
    {"RelativePath", "", {{"match", "GET api/tags"}}, false},
    {"SizeGarbage", "limits:\n  max_body_bytes: 8 MiBs\n", {}, false},
    {"ZeroSize", "", {{"max_entry_bytes", "0"}}, false},
    {"ZeroWarmConcurrency", "limits:\n  warm_concurrency: 0\n", {}, false},
    {"MissingKey", "", {{"key", ""}}, false},
    {"GlobInKey", "", {{"key", "\"tags:*:{user}\""}}, false},
    {"AtInKey", "", {{"key", "\"@tags:{user}\""}}, false},
    {"PartialStatus", "", {{"statuses", "[206]"}}, false},
    {"NoStatuses", "", {{"statuses", "[]"}}, false},
    {"BadTag", "", {{"tags", "[\"a b\"]"}}, false},
    {"WarmWithoutUrl", "warm:\n  - headers: {A: b}\n", {}, false},
    {"BadWarmHeaderName", "warm:\n  - url: /api/tags\n    headers:\n      \"X Bad\": v\n", {}, false},
    {"EventTagsNotAList", "webhooks:\n  events:\n    library_updated: library\n", {}, false},
    {"WarmHeadersNotAMapping", "warm:\n  - url: /api/tags\n    headers: [a]\n", {}, false},
    {"BadCookieName", "identity:\n  cookies: [\"a b\"]\n", {}, false},
    {"HttpsUpstream", "upstream: https://app:5000\n", {}, false},
    {"ListenWithoutPort", "listen: 0.0.0.0\n", {}, false},
    {"RedisUrlScheme", "redis:\n  url: http://r:6379\n", {}, false},
    {"EmptyPrefix", "redis:\n  prefix: \"\"\n", {}, false},
    {"RouteNotAMapping", "", {}, false, "routes:\n  - tags\n"},
    {"TopLevelNotAMapping", "", {}, false, "- listen\n"},
};

INSTANTIATE_TEST_SUITE_P(Cases, SchemaAgreement, ::testing::ValuesIn(kAgreementCases),
                         [](const ::testing::TestParamInfo<AgreementCase>& info) { return info.param.name; });

}  // namespace
}  // namespace foilcache::config
