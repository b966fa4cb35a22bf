// /__stub/*: the test control of the stub (counters, failure modes, canned responses,
// background changes, the Socket.IO channel, jobs). Never counted, never failed.
#include "common/text.hpp"
#include "upstream_stub/app_routes.hpp"
#include "upstream_stub/py_json.hpp"
#include "upstream_stub/route_util.hpp"

namespace foilcache::stub {
namespace {

using route::json_ok;
using route::json_string;
using route::kJson;
using route::method_not_allowed;
using route::not_found;

Reply stub_respond(const Request& req, const QueryParams& query, const StubOptions& opt) {
  const unsigned v = req.version();
  Reply reply;
  auto bad = [&](std::string_view what) {
    reply.response =
        make_response(http::status::bad_request, error_body("VALIDATION_ERROR", what), kJson, v);
    return reply;
  };
  std::int64_t status = 200;
  if (auto s = query_first(query, "status")) {
    const auto parsed = python_int(*s);
    if (!parsed || *parsed < 200 || *parsed > 599) return bad("status must be 200..599");
    status = *parsed;
  }
  std::int64_t size = 0;
  if (auto s = query_first(query, "size")) {
    const auto parsed = python_int(*s);
    if (!parsed || *parsed < 0 || static_cast<std::uint64_t>(*parsed) > opt.respond_max_size) {
      return bad("size out of range");
    }
    size = *parsed;
  }
  if (auto s = query_first(query, "delay_ms")) {
    const auto parsed = python_int(*s);
    if (!parsed || *parsed < 0 || *parsed > opt.respond_max_delay.count()) {
      return bad("delay_ms out of range");
    }
    reply.delay = std::chrono::milliseconds{*parsed};
  }
  // As Werkzeug does for a response with an ETag: a matching If-None-Match gets 304, the
  // validators and caching fields repeated, no body (RFC 9110 §13.1.2, §15.4.5).
  if (const auto etag = query_first(query, "etag"); etag && status == 200) {
    const auto inm = req[http::field::if_none_match];
    if (!inm.empty() && (inm == *etag || inm == "*")) status = 304;
  }
  const auto st = static_cast<http::status>(status);
  const bool bodiless = status == 204 || status == 304;
  std::string body;
  if (!bodiless) {
    body.resize(static_cast<std::size_t>(size));
    for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  }
  const std::string content_type(
      query_first(query, "content_type").value_or("application/octet-stream"));
  reply.response = make_response(st, std::move(body), content_type, v);
  if (auto cc = query_first(query, "cache_control"))
    reply.response.set(http::field::cache_control, *cc);
  if (auto vary = query_first(query, "vary")) reply.response.set(http::field::vary, *vary);
  if (auto etag = query_first(query, "etag")) reply.response.set(http::field::etag, *etag);
  if (auto lm = query_first(query, "last_modified"))
    reply.response.set(http::field::last_modified, *lm);
  for (const auto& [k, value] : query) {
    if (k == "set_cookie") reply.response.insert(http::field::set_cookie, value);
    // Shows the test which request header reached the app: X-Echo-<Name>: value or "(absent)".
    if (k == "echo_header") {
      const auto it = req.find(value);
      reply.response.set("X-Echo-" + value,
                         it == req.end() ? std::string("(absent)") : std::string(it->value()));
    }
    if (k == "header") {
      const auto colon = value.find(':');
      if (colon == std::string::npos || colon == 0) return bad("header must be Name: Value");
      reply.response.insert(common::trim_ows(std::string_view(value).substr(0, colon)),
                            common::trim_ows(std::string_view(value).substr(colon + 1)));
    }
  }
  return reply;
}

// GET|POST /__stub/echo: the request as it reached the app, as text: the request line, every
// header field in order (repeated ones repeated), an empty line, then the body. Shows a test
// exactly what a proxy forwarded.
Reply echo(const Request& req) {
  std::string text(req.method_string());
  text.append(" ").append(req.target()).append(req.version() == 10 ? " HTTP/1.0\n" : " HTTP/1.1\n");
  for (const auto& field : req) text.append(field.name_string()).append(": ").append(field.value()).append("\n");
  text.append("\n").append(req.body());
  Reply reply;
  reply.response = make_response(http::status::ok, std::move(text), "text/plain", req.version());
  return reply;
}

Reply counters(StubState& state, unsigned v) {
  Reply reply;
  std::string body = "{";
  bool first = true;
  for (const auto& [p, n] : state.counters()) {
    if (!first) body += ",";
    first = false;
    body += json_string(p) + ":" + std::to_string(n);
  }
  reply.response = json_ok(body + "}\n", v);
  return reply;
}

Reply mode(StubState& state, const Request& req, const QueryParams& query) {
  const unsigned v = req.version();
  Reply reply;
  if (req.method() == http::verb::post) {
    const auto mode = parse_fail_mode(query_first(query, "fail").value_or(""));
    if (!mode) {
      reply.response = make_response(
          http::status::bad_request,
          error_body("VALIDATION_ERROR", "fail must be none|500|close|hang"), kJson, v);
      return reply;
    }
    state.set_fail_mode(*mode);
  }
  reply.response = json_ok("{\"fail\":\"" + std::string(to_string(state.fail_mode())) + "\"}\n", v);
  return reply;
}

// POST /__stub/library-change: what the app's file watcher or a scheduler does.
Reply library_change(StubState& state, unsigned v) {
  const std::uint64_t generation = state.bump_generation();
  if (state.options().on_library_changed) state.options().on_library_changed(generation);
  state.events().library_changed();
  Reply reply;
  reply.response = json_ok("{\"generation\":" + std::to_string(generation) + "}\n", v);
  return reply;
}

Reply socketio_stats(StubState& state, unsigned v) {
  const SocketIoStats s = state.events().stats();
  const StubOptions& opt = state.options();
  Reply reply;
  reply.response = json_ok("{\"channel\":" + json_string(opt.socketio_channel) +
                               ",\"enabled\":" + (s.enabled ? "true" : "false") +
                               ",\"failed\":" + std::to_string(s.failed) +
                               ",\"format\":" + json_string(to_string(opt.socketio_format)) +
                               ",\"pending\":" + std::to_string(s.pending) +
                               ",\"published\":" + std::to_string(s.published) + "}\n",
                           v);
  return reply;
}

// GET /__stub/jobs: every job's last record; POST ?outcome=completed|failed: how the next
// jobs end.
Reply jobs(StubState& state, const Request& req, const QueryParams& query) {
  const unsigned v = req.version();
  Reply reply;
  if (req.method() == http::verb::post) {
    const std::string_view outcome = query_first(query, "outcome").value_or("");
    if (outcome != "completed" && outcome != "failed") {
      reply.response = make_response(
          http::status::bad_request,
          error_body("VALIDATION_ERROR", "outcome must be completed|failed"), kJson, v);
      return reply;
    }
    state.set_jobs_fail(outcome == "failed");
  }
  std::vector<std::string> records;
  for (const JobRecord& r : state.jobs().all()) records.push_back(job_payload(r));
  reply.response = json_ok("{\"jobs\": " + py::list(records) + ", \"outcome\": \"" +
                               (state.jobs_fail() ? "failed" : "completed") + "\"}\n",
                           v);
  return reply;
}

}  // namespace

Reply control_route(StubState& state, const Request& req, std::string_view path,
                    const QueryParams& query) {
  const unsigned v = req.version();
  const bool post = req.method() == http::verb::post;
  Reply reply;
  if (path == "/__stub/counters") return counters(state, v);
  if (path == "/__stub/mode") return mode(state, req, query);
  if (path == "/__stub/respond") return stub_respond(req, query, state.options());
  if (path == "/__stub/echo") return echo(req);
  if (path == "/__stub/socketio") return socketio_stats(state, v);
  if (path == "/__stub/jobs") return jobs(state, req, query);
  const bool post_only = path == "/__stub/reset" || path == "/__stub/library-change" ||
                         path == "/__stub/socketio-noise";
  if (!post_only) {
    reply.response = not_found(path, v);
    return reply;
  }
  if (!post) {
    reply.response = method_not_allowed("POST", v);
    return reply;
  }
  if (path == "/__stub/library-change") return library_change(state, v);
  if (path == "/__stub/socketio-noise") {
    reply.response =
        json_ok("{\"queued\":" + std::to_string(state.events().publish_noise()) + "}\n", v);
    return reply;
  }
  state.reset_counters();
  reply.response = json_ok("{\"reset\":true}\n", v);
  return reply;
}

}  // namespace foilcache::stub
