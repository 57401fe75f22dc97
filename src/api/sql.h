// POST /api/v1/sql — raw SQL against the embedded store, for operators. The embedded
// engine's files are locked by the running server, so this is the only way to inspect
// them without stopping it. Off unless api.sql_enabled is set.
//   request:  {"query": "SELECT … {name:Type} …", "params": {"name": "value"}}
//   response: {"meta":[…], "data":[[…]], "rows":N, "statistics":{…}}
#pragma once

#include "net/http.h"
#include "store/engine.h"

namespace heeler::api {

void add_sql_routes(net::Router& router, store::Engine& engine);

}  // namespace heeler::api
