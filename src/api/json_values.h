// Store values as JSON: 64-bit integers stay exact, Maps become objects when their
// keys are strings, byte strings that are not UTF-8 are escaped as \u00XX.
#pragma once

#include <nlohmann/json.hpp>

#include "store/engine.h"

namespace heeler::api {

nlohmann::json to_json(const store::Value& value);
// {"meta":[{name,type}], "data":[[…]], "rows":N, "statistics":{elapsed,rows_read,bytes_read}}
nlohmann::json to_json(const store::QueryResult& result);

}  // namespace heeler::api
