#include "cli/query_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "net/http.h"
#include "net/http_client.h"

namespace heeler::cli {
namespace {

using nlohmann::json;

std::string format_time_ms(int64_t ms) {
  const time_t seconds = static_cast<time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

// Prints rows as aligned columns; the last column is not padded.
void print_table(std::FILE* out, const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) return;
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& row : rows)
    for (size_t i = 0; i + 1 < row.size(); ++i)
      width[i] = std::max(width[i], std::min<size_t>(row[i].size(), 60));
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      std::string cell = row[i];
      for (char& c : cell)
        if (c == '\n' || c == '\t') c = ' ';
      if (i + 1 < row.size()) {
        if (cell.size() > 60) cell = cell.substr(0, 57) + "...";
        line += fmt::format("{:<{}}  ", cell, width[i]);
      } else {
        line += cell;
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::fprintf(out, "%s\n", line.c_str());
  }
}

std::string trimmed_number(double d) {
  std::string s = fmt::format("{:.6f}", d);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

int print_metrics(const json& body, const QueryOptions& o, std::FILE* out) {
  const json& series = body["series"];
  if (series.empty()) {
    std::fprintf(out, "no data\n");
    return 0;
  }
  if (o.points) {
    std::vector<std::vector<std::string>> rows{{"time"}};
    for (const json& s : series) {
      const auto tags = s["tag_set"].get<std::vector<std::string>>();
      rows[0].push_back(tags.empty() ? s["expression"].get<std::string>()
                                     : fmt::format("{}", fmt::join(tags, ",")));
    }
    const size_t n = series[0]["pointlist"].size();
    for (size_t i = 0; i < n; ++i) {
      std::vector<std::string> row{format_time_ms(series[0]["pointlist"][i][0].get<int64_t>())};
      for (const json& s : series) {
        const json& p = s["pointlist"][i][1];
        row.push_back(p.is_number() ? trimmed_number(p.get<double>()) : "-");
      }
      rows.push_back(std::move(row));
    }
    print_table(out, rows);
    return 0;
  }
  std::vector<std::vector<std::string>> rows{{"series", "points", "avg", "min", "max", "last"}};
  for (const json& s : series) {
    double sum = 0, lo = INFINITY, hi = -INFINITY, last = NAN;
    size_t n = 0;
    for (const json& p : s["pointlist"]) {
      if (!p[1].is_number()) continue;
      const double v = p[1].get<double>();
      sum += v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      last = v;
      ++n;
    }
    const auto tags = s["tag_set"].get<std::vector<std::string>>();
    std::string name = s["expression"].get<std::string>();
    if (!tags.empty()) name += fmt::format(" {{{}}}", fmt::join(tags, ","));
    auto cell = [&](double v) { return n ? trimmed_number(v) : std::string("-"); };
    rows.push_back({name, std::to_string(n), cell(n ? sum / static_cast<double>(n) : 0), cell(lo),
                    cell(hi), cell(last)});
  }
  print_table(out, rows);
  return 0;
}

int print_events(const json& body, const QueryOptions& o, std::FILE* out) {
  const json& data = body["data"];
  if (data.empty()) {
    std::fprintf(out, "no %s\n", o.kind == QueryOptions::Kind::logs ? "logs" : "spans");
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  if (o.kind == QueryOptions::Kind::logs) {
    rows.push_back({"timestamp", "service", "host", "status", "message"});
    for (const json& d : data) {
      const json& a = d["attributes"];
      rows.push_back({a.value("timestamp", ""), a.value("service", ""), a.value("host", ""),
                      a.value("status", ""), a.value("message", "")});
    }
  } else {
    rows.push_back({"start", "service", "resource", "duration", "status", "trace_id"});
    for (const json& d : data) {
      const json& a = d["attributes"];
      rows.push_back({a.value("start_timestamp", ""), a.value("service", ""),
                      a.value("resource_name", ""),
                      trimmed_number(a.value("duration", 0.0) / 1e6) + " ms", a.value("status", ""),
                      a.value("trace_id", "")});
    }
  }
  print_table(out, rows);
  if (body.contains("meta") && body["meta"].contains("page"))
    std::fprintf(out, "(more: --limit to see more than %d)\n", o.limit);
  return 0;
}

}  // namespace

int run_query(const QueryOptions& o, std::FILE* out, std::FILE* err) {
  auto server = net::parse_url(o.server);
  if (!server.ok()) {
    std::fprintf(err, "heeler query: %s\n", server.status().message().c_str());
    return 2;
  }
  core::Result<net::ClientReply> reply = core::error(core::Code::internal, "no request");
  if (o.kind == QueryOptions::Kind::metrics) {
    reply =
        net::http_call(*server, "GET",
                       fmt::format("/api/v1/query?from={}&to={}&query={}", net::url_encode(o.from),
                                   net::url_encode(o.to), net::url_encode(o.query)));
  } else {
    json attributes = {{"filter", {{"query", o.query}, {"from", o.from}, {"to", o.to}}},
                       {"page", {{"limit", o.limit}}},
                       {"sort", "-timestamp"}};
    if (o.kind == QueryOptions::Kind::logs)
      reply = net::http_call(*server, "POST", "/api/v2/logs/events/search", attributes.dump());
    else
      reply = net::http_call(
          *server, "POST", "/api/v2/spans/events/search",
          json{{"data", {{"type", "search_request"}, {"attributes", attributes}}}}.dump());
  }
  if (!reply.ok()) {
    std::fprintf(err, "heeler query: %s\n", reply.status().message().c_str());
    return 2;
  }
  json body = json::parse(reply->body, nullptr, false);
  if (reply->status != 200) {
    std::string message = reply->body;
    if (!body.is_discarded() && body.contains("errors") && body["errors"].is_array() &&
        !body["errors"].empty() && body["errors"][0].is_string())
      message = body["errors"][0].get<std::string>();
    std::fprintf(err, "heeler query: %s (HTTP %d)\n", message.c_str(), reply->status);
    return 1;
  }
  if (o.json) {
    std::fprintf(out, "%s\n", reply->body.c_str());
    return 0;
  }
  if (body.is_discarded()) {
    std::fprintf(err, "heeler query: the server answered something that is not JSON\n");
    return 1;
  }
  return o.kind == QueryOptions::Kind::metrics ? print_metrics(body, o, out)
                                               : print_events(body, o, out);
}

}  // namespace heeler::cli
