// Browser RUM event endpoints, in Datadog's shapes:
//   POST /api/v2/rum/events/search   {filter:{query,from,to}, page:{limit,cursor}, sort}
//        → {data:[{id, type:"rum", attributes:{timestamp, service, tags, attributes}}],
//           meta:{page:{after}}, links:{next}}
//   GET  /api/v2/rum/events          the same with filter[query]=, page[limit]= … parameters
//   POST /api/v2/rum/analytics/aggregate   {compute, filter, group_by}
//        → {data:{buckets:[{by, computes:{c0:…}}]}, meta:{status:"done"}}
// A session's events are the search `@session.id:<id>` sorted by "timestamp".
#pragma once

#include "net/http.h"
#include "store/engine.h"

namespace heeler::api {

void add_rum_search_routes(net::Router& router, store::Engine& engine);

}  // namespace heeler::api
