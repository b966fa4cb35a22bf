// The stub's request handling apart from I/O: shared server state (stub_state.cpp), MyFoil's
// two auth schemes (access_required and tinfoil_access; stub_auth.cpp), Range parsing, and
// the router for every route answered with a complete body (stub_handlers.cpp; the app's
// write routes and per-user reads in app_routes.hpp). stub_server.cpp owns the sockets and
// streams the routes that need it (downloads, uploads, WebSocket); stub_events.cpp runs
// what the handlers announce through EventSink.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/net.hpp"
#include "upstream_stub/event_sink.hpp"
#include "upstream_stub/jobs.hpp"
#include "upstream_stub/library_model.hpp"
#include "upstream_stub/stub_options.hpp"
#include "upstream_stub/user_state.hpp"

namespace foilcache::stub {

// Failure mode of every /api/* route (POST /__stub/mode?fail=...).
enum class FailMode {
  kNone,       // answer normally
  kStatus500,  // answer 500 with the app's INTERNAL_ERROR body
  kClose,      // close the connection without answering
  kHang,       // answer nothing until hang_timeout, then close
};
std::string_view to_string(FailMode mode);
std::optional<FailMode> parse_fail_mode(std::string_view text);

// Which simulated database latency a reply waits for.
enum class LatencyClass {
  kNone,        // no simulated work (scan, test control, errors)
  kLibrary,     // library_latency: paged lists, search, stats
  kSystemInfo,  // system_info_latency
  kShop,        // shop_latency: the Tinfoil index
  kMetadata,    // metadata_latency: app_info, titledb_data, tags, upcoming
};

// The app's settings.yaml "shop:" values the stub reads (POST /api/settings/shop).
struct ShopSettings {
  bool public_shop = false;  // shop/public
  std::string motd;          // shop/motd
  std::string host;          // shop/host; empty: Host/Hauth verification off
  bool encrypt = false;      // shop/encrypt
};

// One TitleDB source (titledb_sources.py TitleDBSource; /api/settings/titledb/sources).
struct TitleDbSource {
  std::string name;
  std::string base_url;
  std::int64_t priority = 50;
  bool enabled = true;
  bool operator==(const TitleDbSource&) const = default;
};
// TitleDBSourceManager.DEFAULT_SOURCES.
std::vector<TitleDbSource> default_titledb_sources();

// The title settings GET /api/system/info shows: settings.yaml "titles:" region and
// language (POST /api/settings/titles) and the TitleDB sources. The stub's active source
// is the first enabled one by priority (the app names the source of its last successful
// download, which is that one after the next TitleDB update).
struct TitleSettings {
  std::string region = "US";
  std::string language = "en";
  std::vector<TitleDbSource> sources = default_titledb_sources();
  // The active source's name; "TitleDB" when none is enabled.
  std::string active_source() const;
};

// State shared by all connections of one server. Every member function is thread-safe.
class StubState {
 public:
  explicit StubState(StubOptions options);

  const StubOptions& options() const { return options_; }
  std::shared_ptr<const Library> library() const;
  std::uint64_t generation() const;
  // Rebuilds the library one generation further and returns the new generation.
  std::uint64_t bump_generation();
  // Runs `edit` on a copy of the library edits with the current library; if it returns
  // true the edits are kept (revision + 1) and the library rebuilt before this returns.
  // Edits and generation bumps are serialised; readers keep their snapshot.
  bool edit_library(const std::function<bool(LibraryEdits&, const Library&)>& edit);

  // The custom info stored for `title_id` (upper case), if any.
  std::optional<CustomInfo> custom_info(std::string_view title_id) const;

  UserState& users() { return users_; }
  JobRegistry& jobs() { return jobs_; }

  std::vector<Tag> tags() const;
  // PUT /api/tags/{id}: `update` changes a copy of the tag and returns false to reject it
  // (nothing changes). nullopt when there is no such tag; else whether it was kept.
  std::optional<bool> update_tag(std::int64_t id, const std::function<bool(Tag&)>& update);
  // DELETE /api/tags/{id}: whether the tag existed (its TitleTag rows go with it).
  bool delete_tag(std::int64_t id);

  ShopSettings shop() const;
  void set_shop(ShopSettings shop);
  // The shop settings the server started with (what a restored settings backup holds).
  ShopSettings initial_shop() const;

  TitleSettings titles() const;
  void set_titles(TitleSettings titles);
  // The libraries (/api/settings/library/paths); "/games" at start. set_library_path adds
  // `path` (present) or removes it and returns whether the list changed.
  std::vector<std::string> library_paths() const;
  bool set_library_path(const std::string& path, bool present);

  // The accounts the app knows now: options().users, then what POST/DELETE /api/user,
  // token writes and password changes made of them. Every list is kept for the server's
  // life (credential writes are rare), so a user pointer a handler holds stays valid
  // while a write replaces the list.
  const std::vector<StubUser>& accounts() const;
  // Runs `edit` on a copy of the accounts; if it returns true the copy becomes current.
  // `edit` must not call back into this state.
  bool edit_accounts(const std::function<bool(std::vector<StubUser>&)>& edit);

  // Counts one request for `path` (the target without its query).
  void count(std::string_view path);
  std::map<std::string, std::uint64_t> counters() const;
  void reset_counters();

  FailMode fail_mode() const { return fail_mode_.load(); }
  void set_fail_mode(FailMode mode) { fail_mode_.store(mode); }
  bool jobs_fail() const { return jobs_fail_.load(); }
  void set_jobs_fail(bool fail) { jobs_fail_.store(fail); }

  // The app's MetadataFetchLog: fetch_all_metadata runs when not forced only if no fetch
  // completed in the last 12 hours. `begin_metadata_fetch` returns the new log id.
  bool metadata_fetch_due(std::chrono::system_clock::time_point now) const;
  std::int64_t begin_metadata_fetch();
  void metadata_fetch_completed(std::chrono::system_clock::time_point when);

  // The Hauth the shop expects; an admin's first secure Basic login may set it (the app
  // writes it to its settings).
  std::string shop_hauth() const;
  void set_shop_hauth(std::string hauth);

  // Where handlers announce changes; a NullEventSink until the I/O layer installs its own.
  // Precondition of set_events: before the server serves requests; `sink` outlives every
  // later call of events().
  EventSink& events() { return *events_; }
  void set_events(EventSink* sink) { events_ = sink; }

  // A scaled random latency of the class; zero when latency_scale is 0.
  std::chrono::milliseconds draw_latency(LatencyClass latency);
  // A fresh pseudo-random 64-bit value (session ids, encryption keys).
  std::uint64_t next_random();

 private:
  StubOptions options_;
  mutable std::mutex mutex_;
  mutable std::mutex write_mutex_;  // serialises library rebuilds; taken before mutex_
  std::shared_ptr<const Library> library_;
  LibraryEdits edits_;  // guarded by write_mutex_
  std::vector<Tag> tags_;
  ShopSettings shop_;
  TitleSettings titles_;
  std::vector<std::string> library_paths_{"/games"};
  std::vector<std::shared_ptr<const std::vector<StubUser>>> account_lists_;  // current: back()
  std::map<std::string, std::uint64_t, std::less<>> counters_;
  std::string shop_hauth_;
  std::int64_t metadata_fetch_logs_ = 0;
  std::optional<std::chrono::system_clock::time_point> last_metadata_fetch_;
  UserState users_;
  JobRegistry jobs_;
  NullEventSink null_events_;
  EventSink* events_ = &null_events_;
  std::atomic<FailMode> fail_mode_{FailMode::kNone};
  std::atomic<bool> jobs_fail_{false};
  std::atomic<std::uint64_t> random_state_;
};

std::string base64_encode(std::string_view data);
// Standard alphabet, padding optional; nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view text);

// The user of a Cookie header's session=sess-<name> or remember_token=remember-<name>.
const StubUser* session_user(const http::fields& headers, const std::vector<StubUser>& users);
// user:password of an "Authorization: Basic ..." header (scheme case-insensitive).
std::optional<std::pair<std::string, std::string>> basic_credentials(const http::fields& headers);

// app/auth.py access_required: session cookie, then Basic, then Bearer token-<name>.
enum class Access { kShop, kAdmin };
struct AuthResult {
  enum class Kind { kOk, kUnauthorized, kForbidden } kind = Kind::kUnauthorized;
  const StubUser* user = nullptr;  // set when kOk
  // How the caller authenticated. With Basic the app runs the route without a current_user
  // (access_required does not log the user in), so routes that read current_user.id fail.
  enum class Via { kNone, kSession, kBasic, kBearer } via = Via::kNone;
};
AuthResult access_required(const http::fields& headers, const std::vector<StubUser>& users,
                           Access access);

// middleware/auth.py tinfoil_access: Host/Hauth verification on secure requests (not for
// downloads), then (private shop) session cookie or Basic. A failure is answered 200 with
// {"error": message} — that is how the app tells Tinfoil.
struct TinfoilResult {
  bool ok = false;
  std::string error;
  std::optional<std::string> verified_host;  // set when Host and Hauth matched the settings
};
TinfoilResult tinfoil_access(StubState& state, const http::fields& headers, std::string_view path);

// The request's host and scheme as the app sees them behind ProxyFix(x_proto=1, x_host=1):
// the last X-Forwarded-Host / X-Forwarded-Proto value, else Host / "http".
std::string request_host(const http::fields& headers, std::string_view fallback);
std::string forwarded_proto(const http::fields& headers);
// The scheme the shop index embeds: X-Forwarded-Proto, else Cf-Visitor {"scheme":...}, else http.
std::string shop_scheme(const http::fields& headers);

// The Engine.IO v4 open packet ("0{...}"), with the app's ping settings; polling offers the
// websocket upgrade.
std::string engine_io_open(std::string_view sid, bool polling);

// A single-range "Range: bytes=..." against a file of `size` bytes (Werkzeug rules:
// malformed header ignored, several ranges or none satisfiable -> 416).
struct RangeResult {
  enum class Kind { kNone, kSingle, kUnsatisfiable } kind = Kind::kNone;
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
};
RangeResult parse_range(std::string_view header, std::uint64_t size);

// A complete reply and how long to wait before sending it.
struct Reply {
  http::response<http::string_body> response;
  LatencyClass latency = LatencyClass::kNone;
  std::chrono::milliseconds delay{0};  // exact extra delay (/__stub/respond?delay_ms=)
  // Set by a scan: the generation it created. With a webhook configured, the caller delivers
  // it and answers with scan_body(generation, &outcome) instead of the body built here.
  std::optional<std::uint64_t> scanned_generation;
};

// The outcome of one webhook delivery.
struct WebhookOutcome {
  unsigned status = 0;  // the receiver's HTTP status; 0 when it did not answer
  std::string error;    // why the delivery failed; empty when the receiver answered 2xx
};

// The library updater's webhook body: {"event":<event>,"generation":<generation>}.
std::string webhook_body(std::string_view event, std::uint64_t generation);
// POST /api/library/scan's answer; with `webhook`, it ends in
// "webhook":{"status":<status>,"error":<error>}.
std::string scan_body(std::uint64_t generation, const WebhookOutcome* webhook);

// Builds a response with the given status, body and Content-Type; prepare_payload done.
http::response<http::string_body> make_response(http::status status, std::string body,
                                                std::string_view content_type, unsigned version);

// Every route with a complete body: the app's read endpoints, the shop index, scan,
// Engine.IO polling and /__stub/*. `path` is the target without query; `query` decoded.
// Precondition: the failure mode was already applied by the caller.
Reply handle_request(StubState& state, const http::request<http::string_body>& request,
                     std::string_view path, const QueryParams& query);

}  // namespace foilcache::stub
