// Dashboard endpoints, in Datadog's v1 shapes:
//   GET    /api/v1/dashboard         {dashboards: [summary…]}, most recently modified first
//   POST   /api/v1/dashboard         a dashboard JSON → the stored dashboard with its id
//   GET    /api/v1/dashboard/{id}    the dashboard, or 404
//   PUT    /api/v1/dashboard/{id}    replaces it → the stored dashboard
//   DELETE /api/v1/dashboard/{id}    {deleted_dashboard_id}
#pragma once

#include "dashboards/dashboards.h"
#include "net/http.h"

namespace heeler::api {

void add_dashboard_routes(net::Router& router, dashboards::DashboardStore& store);

}  // namespace heeler::api
