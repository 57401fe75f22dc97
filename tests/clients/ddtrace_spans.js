'use strict'
// Drives the real dd-trace tracer against heeler's Datadog agent API. Configured by the
// environment (DD_TRACE_AGENT_URL, DD_SERVICE, DD_ENV, DD_VERSION,
// DD_TRACE_AGENT_PROTOCOL_VERSION). Creates one trace: a web root with custom tags,
// a db child with a grandchild, and a failing child; prints the ids it used as one
// JSON line, and lets dd-trace flush when the process ends.
const tracer = require('dd-trace').init({ flushInterval: 100, startupLogs: false })

const run = process.argv[2] || 'run'
const ids = {}
tracer.trace('web.request', { resource: 'GET /checkout/:id', type: 'web' }, (root) => {
  root.setTag('span.kind', 'server')
  root.setTag('company_id', 'acme-co')
  root.setTag('customer_id', 'cust-42')
  root.setTag('cart.items', 3)
  root.setTag('heeler.run', run)
  ids.trace_id = root.context().toTraceId(true)
  ids.span_id = root.context().toSpanId()
  tracer.trace('db.query', { resource: 'SELECT * FROM carts WHERE id = ?', type: 'sql' }, (db) => {
    ids.db_span_id = db.context().toSpanId()
    tracer.trace('cache.get', { resource: 'GET cart:42' }, (cache) => {
      ids.cache_span_id = cache.context().toSpanId()
    })
  })
  try {
    tracer.trace('failing.op', { resource: 'do_fail' }, (failing) => {
      ids.error_span_id = failing.context().toSpanId()
      throw new TypeError('payment declined')
    })
  } catch (err) {
    ids.error = err.message
  }
})
process.stdout.write(JSON.stringify(ids) + '\n')
