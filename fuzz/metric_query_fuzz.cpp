// The metric query language: any text parses to a tree or to an error that points
// inside the text; every query of a tree compiles to SQL.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "query/metric_eval.h"
#include "query/metric_query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  heeler::query::ParsedMetricExpr parsed = heeler::query::parse_metric_expression(input);
  if (!parsed.ok()) {
    if (parsed.error->position > input.size() || parsed.error->message.empty()) std::abort();
    return 0;
  }
  for (const heeler::query::MetricQuery* q : heeler::query::metric_queries(*parsed.root)) {
    for (const char* kind : {"gauge", "count", "rate", "distribution"}) {
      auto compiled = heeler::query::compile_metric_query(*q, {0, 3600'000}, 60, kind);
      if (!compiled.ok() || compiled->sql.empty()) std::abort();
    }
  }
  return 0;
}
