#include "monitors/channels.h"

#include <fmt/format.h>

namespace heeler::monitors {
namespace {

using nlohmann::json;

core::Status invalid(std::string message) {
  return core::Status(core::Code::invalid_argument, std::move(message));
}

core::Status check_name(const json& body, Channel& out) {
  auto name = body.find("name");
  if (name == body.end() || !name->is_string() || name->get<std::string>().empty())
    return invalid("name is required (letters, digits, - and _)");
  out.name = name->get<std::string>();
  if (out.name.size() > 200) return invalid("name is longer than 200 bytes");
  for (char c : out.name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'))
      return invalid(fmt::format("name '{}' may hold only letters, digits, - and _", out.name));
  return {};
}

core::Status check_url(const json& body, Channel& out) {
  auto url = body.find("url");
  if (url == body.end() || !url->is_string()) return invalid("url is required");
  out.url = url->get<std::string>();
  if (!out.url.starts_with("http://") && !out.url.starts_with("https://"))
    return invalid("url must start with http:// or https://");
  if (out.url.size() > 4096) return invalid("url is longer than 4096 bytes");
  for (char c : out.url)
    if (static_cast<unsigned char>(c) <= 0x20)
      return invalid("url must not hold spaces or controls");
  return {};
}

std::string kind_column(ChannelKind kind) {
  return std::string(channel_kind_name(kind));
}

json stored_body(const Channel& c) {
  json headers = json::object();
  for (const auto& [k, v] : c.headers) headers[k] = v;
  return {{"url", c.url}, {"payload", c.payload}, {"headers", headers}, {"form", c.form}};
}

Channel from_row(const store::MetaRow& row) {
  Channel c;
  const auto text = [](const store::MetaValue& v) {
    const auto* s = std::get_if<std::string>(&v);
    return s ? *s : std::string();
  };
  const std::string kind = text(row[0]);
  c.kind = kind == "slack"   ? ChannelKind::slack
           : kind == "teams" ? ChannelKind::teams
                             : ChannelKind::webhook;
  c.name = text(row[1]);
  json body = json::parse(text(row[2]), nullptr, false);
  if (body.is_object()) {
    c.url = body.value("url", "");
    c.payload = body.value("payload", "");
    c.form = body.value("form", false);
    if (auto h = body.find("headers"); h != body.end() && h->is_object())
      for (const auto& [k, v] : h->items()) c.headers.emplace_back(k, v.get<std::string>());
  }
  return c;
}

core::Status not_found(ChannelKind kind, const std::string& name) {
  return core::Status(core::Code::not_found,
                      fmt::format("no {} channel named '{}'", channel_kind_name(kind), name));
}

}  // namespace

std::string_view channel_kind_name(ChannelKind kind) {
  switch (kind) {
    case ChannelKind::webhook:
      return "webhook";
    case ChannelKind::slack:
      return "slack";
    case ChannelKind::teams:
      return "teams";
  }
  return "?";
}

core::Result<Channel> parse_webhook(const json& body) {
  if (!body.is_object()) return invalid("the body must be a JSON object (a webhook)");
  Channel c;
  c.kind = ChannelKind::webhook;
  if (auto st = check_name(body, c); !st.ok()) return st;
  if (auto st = check_url(body, c); !st.ok()) return st;
  if (auto p = body.find("payload"); p != body.end() && !p->is_null()) {
    if (!p->is_string()) return invalid("payload must be a string (a JSON template)");
    c.payload = p->get<std::string>();
    if (!c.payload.empty() && json::parse(c.payload, nullptr, false).is_discarded())
      return invalid("payload is not valid JSON (write $VARIABLES inside strings)");
  }
  if (auto h = body.find("custom_headers"); h != body.end() && !h->is_null()) {
    json headers = *h;
    if (h->is_string()) {
      if (h->get<std::string>().empty())
        headers = json::object();
      else
        headers = json::parse(h->get<std::string>(), nullptr, false);
    }
    if (!headers.is_object())
      return invalid("custom_headers must be a JSON object of header names and values");
    for (const auto& [k, v] : headers.items()) {
      if (!v.is_string()) return invalid(fmt::format("custom_headers.{} must be a string", k));
      const std::string value = v.get<std::string>();
      const bool bad_name = k.empty() || k.find_first_of(" :\r\n\t") != std::string::npos;
      if (bad_name || value.find_first_of("\r\n") != std::string::npos)
        return invalid(fmt::format("custom_headers.{} is not a valid header", k));
      c.headers.emplace_back(k, value);
    }
  }
  if (auto e = body.find("encode_as"); e != body.end() && !e->is_null()) {
    if (!e->is_string() || (*e != "json" && *e != "form"))
      return invalid("encode_as must be \"json\" or \"form\"");
    c.form = *e == "form";
  }
  return c;
}

core::Result<Channel> parse_incoming_webhook(ChannelKind kind, const json& body) {
  if (!body.is_object()) return invalid("the body must be a JSON object {name, url}");
  Channel c;
  c.kind = kind;
  if (auto st = check_name(body, c); !st.ok()) return st;
  if (auto st = check_url(body, c); !st.ok()) return st;
  return c;
}

json channel_json(const Channel& c) {
  if (c.kind != ChannelKind::webhook) return {{"name", c.name}, {"url", c.url}};
  json headers = json::object();
  for (const auto& [k, v] : c.headers) headers[k] = v;
  return {{"name", c.name},
          {"url", c.url},
          {"payload", c.payload.empty() ? json(nullptr) : json(c.payload)},
          {"custom_headers", c.headers.empty() ? json(nullptr) : json(headers.dump())},
          {"encode_as", c.form ? "form" : "json"}};
}

core::Status ChannelStore::create(const Channel& c) {
  auto exists = meta_.query("SELECT 1 FROM notification_channels WHERE kind = ?1 AND name = ?2",
                            {kind_column(c.kind), c.name});
  if (!exists) return exists.status();
  if (!exists->empty())
    return invalid(
        fmt::format("a {} named '{}' already exists", channel_kind_name(c.kind), c.name));
  auto r = meta_.exec("INSERT INTO notification_channels(kind, name, body) VALUES (?1, ?2, ?3)",
                      {kind_column(c.kind), c.name, stored_body(c).dump()});
  return r ? core::Status{} : r.status();
}

core::Status ChannelStore::replace(const Channel& c) {
  auto r = meta_.exec("UPDATE notification_channels SET body = ?3 WHERE kind = ?1 AND name = ?2",
                      {kind_column(c.kind), c.name, stored_body(c).dump()});
  if (!r) return r.status();
  return *r ? core::Status{} : not_found(c.kind, c.name);
}

core::Status ChannelStore::remove(ChannelKind kind, const std::string& name) {
  auto r = meta_.exec("DELETE FROM notification_channels WHERE kind = ?1 AND name = ?2",
                      {kind_column(kind), name});
  if (!r) return r.status();
  return *r ? core::Status{} : not_found(kind, name);
}

core::Result<Channel> ChannelStore::get(ChannelKind kind, const std::string& name) {
  auto rows = meta_.query(
      "SELECT kind, name, body FROM notification_channels WHERE kind = ?1 AND name = ?2",
      {kind_column(kind), name});
  if (!rows) return rows.status();
  if (rows->empty()) return not_found(kind, name);
  return from_row(rows->front());
}

core::Result<std::vector<Channel>> ChannelStore::list(ChannelKind kind) {
  auto rows = meta_.query(
      "SELECT kind, name, body FROM notification_channels WHERE kind = ?1 ORDER BY name",
      {kind_column(kind)});
  if (!rows) return rows.status();
  std::vector<Channel> out;
  for (const auto& row : *rows) out.push_back(from_row(row));
  return out;
}

}  // namespace heeler::monitors
