// Span and trace endpoints, in Datadog's shapes where Datadog has them:
//   POST /api/v2/spans/events/search  {data:{type:"search_request", attributes:{filter,
//        page, sort}}} → {data:[{id, type:"spans", attributes:{service, resource_name,
//        trace_id, span_id, parent_id, start_timestamp, end_timestamp, …}}], meta, links}
//   GET  /api/v2/spans/events         the same with filter[query]= … parameters
//   POST /api/v2/spans/analytics/aggregate  {data:{attributes:{compute, filter, group_by}}}
//   GET  /api/v1/traces/{trace_id}    every span of a trace, from any client
//   GET  /api/v1/traces?query=&from=&to=&limit=   traces whose spans match: root service,
//        resource, duration, span and error counts
#pragma once

#include "net/http.h"
#include "store/engine.h"

namespace heeler::api {

void add_spans_search_routes(net::Router& router, store::Engine& engine);

}  // namespace heeler::api
