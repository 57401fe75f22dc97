// Metric query endpoints, in Datadog's request and response shapes:
//   GET  /api/v1/query?from=&to=&query=       one query or formula (from/to: epoch
//                                            seconds, ms, RFC 3339 or now-15m)
//   POST /api/v2/query/timeseries            named queries and formulas
//   GET  /api/v1/metrics?from=               metrics that reported since `from`
//   GET  /api/v2/metrics/{metric}/all-tags   the tags of a metric's series
//   GET  /api/v1/tags/hosts                  each tag and the hosts that carry it
//   GET  /api/v1/tags/values?key=[&metric=][&from=]  the values of one tag key
#pragma once

#include "net/http.h"
#include "store/engine.h"

namespace heeler::api {

void add_metrics_query_routes(net::Router& router, store::Engine& engine);

}  // namespace heeler::api
