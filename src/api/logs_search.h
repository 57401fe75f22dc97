// Log search endpoints, in Datadog's shapes:
//   POST /api/v2/logs/events/search   {filter:{query,from,to}, page:{limit,cursor}, sort}
//        → {data:[{id, type:"log", attributes:{timestamp, service, status, message, host,
//           tags, attributes}}], meta:{page:{after}}, links:{next}}
//   GET  /api/v2/logs/events          the same with filter[query]=, page[limit]= … parameters
//   POST /api/v2/logs/analytics/aggregate   {compute, filter, group_by}
//        → {data:{buckets:[{by, computes:{c0:…}}]}, meta:{status:"done"}}
#pragma once

#include "net/http.h"
#include "store/engine.h"

namespace heeler::api {

void add_logs_search_routes(net::Router& router, store::Engine& engine);

}  // namespace heeler::api
