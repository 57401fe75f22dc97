#include "api/sql.h"

#include <nlohmann/json.hpp>

#include "api/json_values.h"

namespace heeler::api {

void add_sql_routes(net::Router& router, store::Engine& engine) {
  router.add("POST", "/api/v1/sql", [&engine](net::Request& req) {
    nlohmann::json body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object())
      return net::Response::error(400, "request body must be a JSON object {\"query\": \"…\"}");
    auto q = body.find("query");
    if (q == body.end() || !q->is_string() || q->get_ref<const std::string&>().empty())
      return net::Response::error(400, "field 'query' must be a non-empty string");
    store::Params params;
    if (auto p = body.find("params"); p != body.end()) {
      if (!p->is_object()) return net::Response::error(400, "field 'params' must be an object");
      for (const auto& [name, value] : p->items()) {
        if (value.is_string())
          params.add(name, value.get<std::string>());
        else if (value.is_number_unsigned())
          params.add(name, value.get<uint64_t>());
        else if (value.is_number_integer())
          params.add(name, value.get<int64_t>());
        else if (value.is_number_float())
          params.add(name, value.get<double>());
        else if (value.is_boolean())
          params.add(name, value.get<bool>() ? "true" : "false");
        else
          return net::Response::error(400,
                                      "params." + name + " must be a string, number or boolean");
      }
    }
    auto result = engine.query(q->get_ref<const std::string&>(), params, store::Lane::interactive);
    if (!result) {
      // The statement was the caller's: the engine refusing it is a 400, not our failure.
      if (result.status().code() == core::Code::engine_error)
        return net::Response::error(400, result.status().message());
      return net::Response::error(result.status());
    }
    return net::Response::json(200, to_json(*result).dump());
  });
}

}  // namespace heeler::api
