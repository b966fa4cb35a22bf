// `events:` (the app's events -> tags, for the webhook and every feed) and `feeds:`.
#include <algorithm>
#include <string>

#include "proxy/config/sections.hpp"

namespace foilcache::config {
namespace {

// `when: {field: value | [values]}`: payload conditions, all of which must hold.
void read_when(YamlReader& in, const Value& value, EventRule& rule) {
  if (!value.node || value.node.IsNull()) return;
  if (!value.node.IsMap()) {
    in.error(value, "'when' must be a mapping of payload field to a value or a list of values");
    return;
  }
  for (const auto& item : value.node) {
    const std::string& field = item.first.Scalar();
    if (!item.first.IsScalar() || field.empty()) {
      in.error(item.first.Mark(), "payload field names must be non-empty strings");
      continue;
    }
    const Value values{item.second, item.second.IsNull() ? item.first.Mark() : item.second.Mark(), field};
    std::vector<std::string> accepted;
    if (item.second.IsSequence()) {
      for (const auto& v : in.list(values)) {
        if (auto text = in.string(v)) accepted.push_back(std::move(*text));
      }
    } else if (auto text = in.string(values)) {
      accepted.push_back(std::move(*text));
    }
    if (accepted.empty()) {
      in.error(values, "condition on " + quoted(field) + " lists no value");
      continue;
    }
    rule.when.emplace_back(field, std::move(accepted));
  }
}

// One event's rule: a list of tags, or {when, tags}.
void read_rule(YamlReader& in, const Value& value, EventRule& rule) {
  if (!value.node.IsMap()) {
    rule.tags = in.tag_list(value);
    return;
  }
  const Fields f = in.fields(value, "event " + quoted(value.name), "events.*");
  if (const Value* when = f.get("when")) read_when(in, *when, rule);
  if (const Value* tags = f.get("tags")) {
    rule.tags = in.tag_list(*tags);
  } else {
    in.error(value, "event " + quoted(value.name) + " is missing required key 'tags'");
  }
}

}  // namespace

void read_events(YamlReader& in, const Value& value, std::string_view where, std::map<std::string, EventRule>& out) {
  if (!value.node || value.node.IsNull()) return;
  if (!value.node.IsMap()) {
    in.error(value, "'events' must be a mapping of event name to a list of tags (or to {when, tags})");
    return;
  }
  out.clear();
  for (const auto& item : value.node) {
    const auto& name = item.first.Scalar();
    if (!item.first.IsScalar() || name.empty()) {
      in.error(item.first.Mark(), "event names must be non-empty strings");
      continue;
    }
    if (out.contains(name)) {
      in.error(item.first.Mark(), "duplicate event " + quoted(name) + " in " + std::string(where));
      continue;
    }
    const Value rule{item.second, item.second.IsNull() ? item.first.Mark() : item.second.Mark(), name};
    read_rule(in, rule, out[name]);
  }
}

void read_feeds(YamlReader& in, const Value& value, const RedisConfig& redis, FeedsConfig& feeds) {
  const Fields f = in.fields(value, "feeds", "feeds");
  const Value* v = f.get("socketio");
  if (v == nullptr) return;
  auto& socketio = feeds.socketio;
  const Fields s = in.fields(*v, "feeds.socketio", "feeds.socketio");
  // The app's Redis is another server than foilcache's: only the connection's timeouts
  // are taken from `redis:`.
  socketio.redis = RedisConfig{};
  socketio.redis.timeout = redis.timeout;
  socketio.redis.connect_timeout = redis.connect_timeout;
  socketio.redis.reconnect_min = redis.reconnect_min;
  socketio.redis.reconnect_max = redis.reconnect_max;
  if (const Value* url = s.get("url")) {
    if (auto text = in.string(*url)) {
      socketio.url = *text;
      parse_redis_url(in, *url, std::move(*text), socketio.redis);
      if (socketio.redis.topology != RedisConfig::Topology::kServer) {
        in.error(*url, "the app's Socket.IO queue is one Redis server: its url must start with redis://");
      }
    }
  }
  if (const Value* channel = s.get("channel")) {
    if (auto text = in.string(*channel)) {
      if (text->empty()) {
        in.error(*channel, "'channel' must not be empty (Flask-SocketIO's default is flask-socketio)");
      } else {
        socketio.channel = std::move(*text);
      }
    }
  }
  set_field(s, "max_staleness", socketio.max_staleness, [&](const Value& x) { return in.duration(x); });
  set_field(s, "burst_window", socketio.burst_window,
            [&](const Value& x) { return in.duration(x, /*allow_zero=*/true); });
}

}  // namespace foilcache::config
