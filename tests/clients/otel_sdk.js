'use strict'
// Drives the OpenTelemetry JS SDK (traces, metrics and logs, with explicit OTLP
// exporter objects) against an OTLP endpoint.
//
//   node otel_sdk.js --transport http-json|http-proto|grpc --endpoint http://127.0.0.1:PORT
//                    --run-id ID [--compression gzip|none]
//
// Produces one trace (a SERVER root, a CLIENT database child with an INTERNAL
// grandchild, and a failing child that records an exception), four metric
// instruments exported twice (forceFlush between the two rounds of measurements),
// and two log records emitted in span contexts. Prints one JSON line with the ids it
// used, what each export answered and any SDK call that failed; exits 1 after a
// failure.

// The exporters would read OTEL_EXPORTER_OTLP_* from the environment; everything
// here is configured explicitly instead.
for (const name of Object.keys(process.env)) {
  if (name.startsWith('OTEL_')) delete process.env[name]
}

const api = require('@opentelemetry/api')
const { SeverityNumber } = require('@opentelemetry/api-logs')
const { resourceFromAttributes } = require('@opentelemetry/resources')
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base')
const { MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics')
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs')

function parseArgs (argv) {
  const options = { transport: 'http-proto', endpoint: 'http://127.0.0.1:4318', runId: '', compression: 'none' }
  for (let i = 0; i < argv.length; i += 2) {
    const value = argv[i + 1]
    if (value === undefined) throw new Error(`missing value for ${argv[i]}`)
    switch (argv[i]) {
      case '--transport': options.transport = value; break
      case '--endpoint': options.endpoint = value.replace(/\/+$/, ''); break
      case '--run-id': options.runId = value; break
      case '--compression': options.compression = value; break
      default: throw new Error(`unknown argument ${argv[i]}`)
    }
  }
  if (!['http-json', 'http-proto', 'grpc'].includes(options.transport)) {
    throw new Error(`--transport must be http-json, http-proto or grpc, not ${options.transport}`)
  }
  if (!['gzip', 'none'].includes(options.compression)) {
    throw new Error(`--compression must be gzip or none, not ${options.compression}`)
  }
  if (!options.runId) options.runId = `run-${process.pid}-${Date.now()}`
  return options
}

const packages = {
  'http-json': ['@opentelemetry/exporter-trace-otlp-http', '@opentelemetry/exporter-metrics-otlp-http', '@opentelemetry/exporter-logs-otlp-http'],
  'http-proto': ['@opentelemetry/exporter-trace-otlp-proto', '@opentelemetry/exporter-metrics-otlp-proto', '@opentelemetry/exporter-logs-otlp-proto'],
  grpc: ['@opentelemetry/exporter-trace-otlp-grpc', '@opentelemetry/exporter-metrics-otlp-grpc', '@opentelemetry/exporter-logs-otlp-grpc']
}

function makeExporters (options) {
  const [tracePkg, metricPkg, logPkg] = packages[options.transport]
  const { OTLPTraceExporter } = require(tracePkg)
  const { OTLPMetricExporter } = require(metricPkg)
  const { OTLPLogExporter } = require(logPkg)
  const url = (signal) => options.transport === 'grpc' ? options.endpoint : `${options.endpoint}/v1/${signal}`
  const common = { compression: options.compression, timeoutMillis: 15000 }
  return {
    traces: new OTLPTraceExporter({ ...common, url: url('traces') }),
    metrics: new OTLPMetricExporter({ ...common, url: url('metrics') }),
    logs: new OTLPLogExporter({ ...common, url: url('logs') })
  }
}

// Records what every export call answered (the SDK only reports failures to its
// diagnostic logger).
const exportResults = { traces: [], metrics: [], logs: [] }
function observeExports (signal, exporter) {
  const original = exporter.export.bind(exporter)
  exporter.export = (items, done) => {
    original(items, (result) => {
      exportResults[signal].push(result.code === 0 ? 'ok' : `failed: ${result.error ? result.error.message : 'unknown error'}`)
      done(result)
    })
  }
  return exporter
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// Awaits one SDK call; a failure is recorded and reported at the end instead of
// ending the run, so the ids and export results are still printed.
const errors = []
async function step (what, promise) {
  try {
    await promise
  } catch (err) {
    errors.push(`${what}: ${err && err.message ? err.message : err}`)
  }
}

async function main () {
  const options = parseArgs(process.argv.slice(2))
  api.diag.setLogger(new api.DiagConsoleLogger(), api.DiagLogLevel.WARN)

  const resource = resourceFromAttributes({
    'service.name': 'otel-checkout',
    'service.version': '1.4.2',
    'deployment.environment.name': 'test',
    'host.name': 'otel-host-1',
    company_id: 'acme-co',
    'cloud.region': 'eu-west-1',
    'heeler.run_id': options.runId
  })

  const exporters = makeExporters(options)
  for (const signal of Object.keys(exporters)) observeExports(signal, exporters[signal])

  const tracerProvider = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(exporters.traces, { scheduledDelayMillis: 60000 })]
  })
  const metricReader = new PeriodicExportingMetricReader({
    exporter: exporters.metrics,
    exportIntervalMillis: 600000,
    exportTimeoutMillis: 15000
  })
  const meterProvider = new MeterProvider({ resource, readers: [metricReader] })
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [new BatchLogRecordProcessor({ exporter: exporters.logs, scheduledDelayMillis: 60000 })]
  })

  const tracer = tracerProvider.getTracer('otel-checkout-handlers', '1.4.2')
  const meter = meterProvider.getMeter('otel-checkout-metrics', '1.4.2')
  const logger = loggerProvider.getLogger('otel-checkout-logs', '1.4.2')

  // Metrics, first round.
  const orders = meter.createCounter('checkout.orders', { description: 'Orders placed', unit: '{order}' })
  const inflight = meter.createUpDownCounter('checkout.inflight', { description: 'Requests in flight' })
  const latency = meter.createHistogram('checkout.latency', { description: 'Handler latency', unit: 'ms' })
  const queueDepth = meter.createObservableGauge('checkout.queue_depth', { description: 'Payment queue depth' })
  queueDepth.addCallback((result) => result.observe(42.5, { queue: 'payments' }))
  const channel = { 'order.channel': 'web' }
  orders.add(3, channel)
  inflight.add(5, channel)
  latency.record(5, channel)
  latency.record(15, channel)
  await step('first metrics flush', meterProvider.forceFlush())

  // The trace: root → db → serialize, and root → payment (failing).
  const ids = { run_id: options.runId, transport: options.transport, compression: options.compression }
  const root = tracer.startSpan('GET /orders/:id', {
    kind: api.SpanKind.SERVER,
    attributes: {
      'http.request.method': 'GET',
      'http.route': '/orders/:id',
      'url.path': '/orders/42',
      'http.response.status_code': 200,
      customer_id: 'cust-42',
      'cart.items': 3,
      'order.total': 99.5,
      'heeler.run_id': options.runId
    }
  }, api.ROOT_CONTEXT)
  const rootContext = api.trace.setSpan(api.ROOT_CONTEXT, root)
  ids.trace_id = root.spanContext().traceId
  ids.root_span_id = root.spanContext().spanId

  logger.emit({
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    body: 'order 42 loaded for cust-42',
    attributes: { 'heeler.run_id': options.runId, 'order.id': 42 },
    context: rootContext
  })

  const db = tracer.startSpan('SELECT shop.orders', {
    kind: api.SpanKind.CLIENT,
    attributes: {
      'db.system.name': 'postgresql',
      'db.namespace': 'shop',
      'db.operation.name': 'SELECT',
      'db.query.text': 'SELECT * FROM orders WHERE id = $1',
      'server.address': 'db.internal',
      'server.port': 5432,
      'heeler.run_id': options.runId
    }
  }, rootContext)
  ids.db_span_id = db.spanContext().spanId
  const dbContext = api.trace.setSpan(rootContext, db)
  await sleep(5)
  const serialize = tracer.startSpan('serialize order', {
    kind: api.SpanKind.INTERNAL,
    attributes: { 'heeler.run_id': options.runId }
  }, dbContext)
  ids.internal_span_id = serialize.spanContext().spanId
  serialize.end()
  db.end()

  const payment = tracer.startSpan('charge card', {
    kind: api.SpanKind.INTERNAL,
    attributes: { 'payment.provider': 'stripe', 'heeler.run_id': options.runId }
  }, rootContext)
  ids.error_span_id = payment.spanContext().spanId
  const paymentContext = api.trace.setSpan(rootContext, payment)
  try {
    throw new Error('payment declined')
  } catch (err) {
    payment.recordException(err)
    payment.setStatus({ code: api.SpanStatusCode.ERROR, message: err.message })
    logger.emit({
      severityNumber: SeverityNumber.ERROR,
      severityText: 'ERROR',
      body: JSON.stringify({ msg: 'card rejected', order_id: 42 }),
      attributes: { 'heeler.run_id': options.runId },
      context: paymentContext
    })
  }
  payment.end()
  root.end()

  // Metrics, second round: the cumulative counter goes 3 → 7.
  orders.add(4, channel)
  inflight.add(-2, channel)
  latency.record(150, channel)
  latency.record(1500, channel)
  await step('second metrics flush', meterProvider.forceFlush())

  await step('traces flush', tracerProvider.forceFlush())
  await step('logs flush', loggerProvider.forceFlush())
  await step('traces shutdown', tracerProvider.shutdown())
  await step('metrics shutdown', meterProvider.shutdown())
  await step('logs shutdown', loggerProvider.shutdown())

  ids.exports = exportResults
  ids.errors = errors
  process.stdout.write(JSON.stringify(ids) + '\n')
  const failed = errors.length > 0 ||
    Object.values(exportResults).some((list) => list.length === 0 || list.some((r) => r !== 'ok'))
  process.exitCode = failed ? 1 : 0
}

main().catch((err) => {
  process.stderr.write(`otel_sdk.js: ${err && err.stack ? err.stack : err}\n`)
  process.exitCode = 2
})
