// Writes to shared state that are not library maintenance (routes/library.py tags,
// routes/system.py custom game info, routes/settings.py shop settings) and the reads that
// show them (GET /api/titles/{tid}/tags, GET /api/games/{tid}/custom). A write that fails
// changes nothing.
#include <rapidjson/stringbuffer.h>

#include "upstream_stub/app_routes.hpp"
#include "upstream_stub/render_util.hpp"
#include "upstream_stub/route_util.hpp"

namespace foilcache::stub {
namespace {

using route::app_error;
using route::json_ok;
using route::member;
using route::method_not_allowed;

constexpr std::size_t kTagNameMax = 50;  // Tag.name String(50)
constexpr std::size_t kTagColorMax = 7;  // Tag.color String(7)
constexpr std::size_t kTagIconMax = 50;  // Tag.icon String(50)

Reply internal_error(const Request& req) {
  return with_vary(route::app_internal_error(req.version()));
}

// GET /api/titles/{title_id}/tags (get_title_tags).
Reply title_tags(StubState& state, const Request& req, std::string_view tid) {
  const unsigned v = req.version();
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    return with_vary(method_not_allowed("GET, HEAD", v));
  }
  auto who = app_access(state, req, Access::kShop);
  if (auto* reply = std::get_if<Reply>(&who)) return std::move(*reply);
  const auto library = state.library();
  const Title* title = library->find(tid);
  if (title == nullptr) {
    return with_vary(
        app_error(http::status::not_found, "NOT_FOUND", "Title not found not found", v));
  }
  const std::vector<std::int64_t> ids = title_tag_ids(*title);
  std::vector<Tag> tags;
  for (const Tag& t : state.tags()) {
    if (std::find(ids.begin(), ids.end(), t.id) != ids.end()) tags.push_back(t);
  }
  Reply reply = with_vary(json_ok(render_tags(tags), v));
  reply.latency = LatencyClass::kMetadata;
  return reply;
}

// Applies TagRepository.update(id, **data) to a copy; false where the commit would fail.
bool apply_tag_fields(const rapidjson::Value& data, Tag& tag) {
  for (const auto& m : data.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    const bool is_name = name == "name";
    const std::size_t limit = is_name ? kTagNameMax : name == "color" ? kTagColorMax : kTagIconMax;
    if (!is_name && name != "color" && name != "icon") continue;  // other columns: not modelled
    if (m.value.IsNull() && !is_name) {
      (name == "color" ? tag.color : tag.icon).reset();
      continue;
    }
    // NOT NULL, String(n): a null name or an over-long value fails the commit.
    if (!m.value.IsString() || m.value.GetStringLength() > limit) return false;
    std::string value(m.value.GetString(), m.value.GetStringLength());
    if (is_name) {
      tag.name = std::move(value);
    } else {
      (name == "color" ? tag.color : tag.icon) = std::move(value);
    }
  }
  return true;
}

// PUT / DELETE /api/tags/{id} (update_tag_api, delete_tag_api).
Reply tag_write(StubState& state, const Request& req, std::int64_t id) {
  const unsigned v = req.version();
  const bool del = req.method() == http::verb::delete_;
  if (!del && req.method() != http::verb::put)
    return with_vary(method_not_allowed("DELETE, PUT", v));
  auto who = app_access(state, req, Access::kAdmin);
  if (auto* reply = std::get_if<Reply>(&who)) return std::move(*reply);
  auto not_found = [&] {
    return with_vary(app_error(http::status::not_found, "NOT_FOUND", "Tag not found not found", v));
  };
  if (del) {
    return state.delete_tag(id)
               ? with_vary(json_ok(success_body("", "Tag removed successfully"), v))
               : not_found();
  }
  const auto data = route::request_json(req);
  // TagRepository.update(tag_id, **data): anything but an object raises first.
  if (!data || !data->IsObject()) return internal_error(req);
  const auto kept = state.update_tag(id, [&](Tag& tag) { return apply_tag_fields(*data, tag); });
  if (!kept) return not_found();
  if (!*kept) return internal_error(req);
  for (const Tag& t : state.tags()) {
    if (t.id == id) return with_vary(json_ok(render_tag(t), v));
  }
  return not_found();  // deleted meanwhile
}

// save_custom_title_info's fields; false when a value would make the database commit fail
// (the app then rolls the row back but still answers success from custom.json).
bool parse_custom(const rapidjson::Value& data, CustomInfo& out) {
  bool bad = false;
  auto field = [&](std::string_view name) {
    return route::optional_string(member(data, name), bad);
  };
  out.name = field("name");
  out.description = field("description");
  out.publisher = field("publisher");
  out.icon_url = field("iconUrl");
  out.banner_url = field("bannerUrl");
  out.nsuid = field("nsuid");
  const rapidjson::Value* category = member(data, "category");
  if (category == nullptr || !route::truthy(*category)) category = member(data, "genre");
  if (category != nullptr && route::truthy(*category)) {
    std::vector<std::string> values;
    if (category->IsArray()) {
      for (const auto& c : category->GetArray()) {
        if (route::truthy(c)) values.push_back(c.IsString() ? c.GetString() : route::to_json(c));
      }
    } else {
      // category is one comma-separated string in the Titles row.
      std::string_view rest = category->IsString() ? category->GetString() : "";
      while (!rest.empty()) {
        const auto comma = rest.find(',');
        values.emplace_back(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      }
    }
    out.categories = std::move(values);
  }
  const rapidjson::Value* date = member(data, "releaseDate");
  if (date == nullptr || !route::truthy(*date)) date = member(data, "release_date");
  if (date != nullptr && route::truthy(*date)) {
    out.release_date = date->IsString() ? date->GetString() : route::to_json(*date);
  }
  return !bad;
}

// POST /api/games/{tid}/custom (update_game_custom_info); GET shows what custom.json holds.
Reply custom_info(StubState& state, const Request& req, std::string_view tid) {
  const unsigned v = req.version();
  const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
  if (!get && req.method() != http::verb::post) {
    return with_vary(method_not_allowed("GET, HEAD, POST", v));
  }
  auto who = app_access(state, req, Access::kShop);
  if (auto* reply = std::get_if<Reply>(&who)) return std::move(*reply);
  const std::string title_id = render::upper(tid);
  if (get) {
    const auto custom = state.custom_info(title_id);
    return with_vary(
        json_ok(success_body(custom ? render_custom_info(title_id, *custom) : "", ""), v));
  }
  const auto data = route::request_json(req);
  if (!data) return internal_error(req);
  if (!route::truthy(*data)) {
    return with_vary(app_error(http::status::internal_server_error, "INTERNAL_ERROR",
                               "Missing TitleID or Data", v));
  }
  if (!data->IsObject()) return internal_error(req);
  CustomInfo info;
  if (parse_custom(*data, info)) {
    state.edit_library([&](LibraryEdits& edits, const Library&) {
      CustomInfo& stored = edits.custom[title_id];
      const CustomInfo before = stored;
      // custom.json entries are updated field by field.
      for (auto [dst, src] : {std::pair{&stored.name, &info.name},
                              {&stored.description, &info.description},
                              {&stored.publisher, &info.publisher},
                              {&stored.icon_url, &info.icon_url},
                              {&stored.banner_url, &info.banner_url},
                              {&stored.nsuid, &info.nsuid},
                              {&stored.release_date, &info.release_date}}) {
        if (*src) *dst = *src;
      }
      if (info.categories) stored.categories = info.categories;
      return !(stored == before);
    });
  }
  return with_vary(json_ok(success_body("", "Custom info updated successfully"), v));
}

// POST /api/settings/shop (set_shop_settings_api -> settings.set_shop_settings).
Reply shop_settings(StubState& state, const Request& req) {
  const unsigned v = req.version();
  if (req.method() != http::verb::post) return with_vary(method_not_allowed("POST", v));
  auto who = app_access(state, req, Access::kAdmin);
  if (auto* reply = std::get_if<Reply>(&who)) return std::move(*reply);
  const auto data = route::request_json(req);
  if (!data || !data->IsObject()) return internal_error(req);  // data["host"] on None or a list
  const rapidjson::Value* host = member(*data, "host");
  if (host == nullptr) {
    return with_vary(app_error(http::status::bad_request, "VALIDATION_ERROR",
                               "Missing required parameter: 'host'", v));
  }
  const rapidjson::Value* motd = member(*data, "motd");
  const rapidjson::Value* hauth = member(*data, "hauth");
  // "://" in host raises unless it is a string; the stub also keeps motd and hauth strings.
  if (!host->IsString() || (motd != nullptr && !motd->IsString()) ||
      (hauth != nullptr && !hauth->IsString())) {
    return internal_error(req);
  }
  ShopSettings shop = state.shop();
  std::string_view h(host->GetString(), host->GetStringLength());
  if (const auto scheme = h.rfind("://"); scheme != std::string_view::npos)
    h = h.substr(scheme + 3);
  shop.host = std::string(h);
  if (motd != nullptr) shop.motd = motd->GetString();
  if (const auto* p = member(*data, "public")) shop.public_shop = route::truthy(*p);
  if (const auto* e = member(*data, "encrypt")) shop.encrypt = route::truthy(*e);
  state.set_shop(std::move(shop));
  if (hauth != nullptr) state.set_shop_hauth(hauth->GetString());
  return with_vary(json_ok(success_body("", "Shop settings updated"), v));
}

}  // namespace

std::optional<Reply> admin_route(StubState& state, const Request& req, std::string_view path,
                                 const QueryParams& query) {
  if (path == "/api/settings/shop") return shop_settings(state, req);
  if (auto id = int_segment_after(path, "/api/tags/")) return tag_write(state, req, *id);
  if (path.size() > 17 && path.starts_with("/api/titles/") && path.ends_with("/tags")) {
    const std::string_view middle = path.substr(12, path.size() - 12 - 5);
    if (!middle.empty() && middle.find('/') == std::string_view::npos) {
      return title_tags(state, req, middle);
    }
  }
  if (path.size() > 18 && path.starts_with("/api/games/") && path.ends_with("/custom")) {
    const std::string_view middle = path.substr(11, path.size() - 11 - 7);
    if (!middle.empty() && middle.find('/') == std::string_view::npos) {
      return custom_info(state, req, middle);
    }
  }
  return maintenance_route(state, req, path, query);
}

}  // namespace foilcache::stub
