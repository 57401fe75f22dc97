// The event stream, in Datadog's v1 shape:
//   GET /api/v1/events?start=&end=[&sources=][&tags=][&priority=]
//     → {events: [{id, title, text, date_happened, source_type_name, alert_type,
//        priority, host, tags}]}, newest first, at most 1,000
// start/end: epoch seconds (or any time form the query API takes); sources and tags
// are comma-separated and must all match.
#pragma once

#include "net/http.h"
#include "store/engine.h"

namespace heeler::api {

void add_event_routes(net::Router& router, store::Engine& engine);

}  // namespace heeler::api
