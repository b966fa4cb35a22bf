// First-match-wins route lookup over a Config's routes, and which configured tag a tag
// name belongs to.
#pragma once

#include <string_view>

#include "proxy/config/app_path.hpp"
#include "proxy/config/config.hpp"

namespace foilcache::config {

// Returns the first route whose method and path match, or nullptr. HEAD matches GET
// routes. `path` is raw (no query, as received); routes match it as the app routes it
// (app_path: decoded once, leading slashes merged), and only where the app serves that
// route: a path with an empty inner segment matches nothing, and a GET route matches no
// path that the app routes only after stripping leading slashes or that has a "." or ".."
// segment (HARDENING.md "Paths and keys"). Fills `params` with the route's {name} captures
// as the app reads them (decoded). Allocates only for a path with a '%'.
const Route* match_route(const Config& config, std::string_view method, std::string_view path,
                         PathParams& params);

// True when a route may match `app` at all: a write route (`write`) whenever the app runs
// the view, a GET route only for the one spelling that is cached.
bool routable(const AppPath& app, bool write);

// True when the configured tag `text` is `tag` or, as a template, can render it (each
// {placeholder} stands for any text; template literals hold no glob character).
bool tag_renders(const std::string& text, std::string_view tag);

// The tag as configured (in a route's `tags` or `invalidates`, or an event's tags) that
// `tag` is, or that renders it: "library:{user}" for "library:3f9a…". Null when none
// does. Used to refuse unknown tags and to label metrics without naming users.
const std::string* configured_tag(const Config& config, std::string_view tag);

}  // namespace foilcache::config
