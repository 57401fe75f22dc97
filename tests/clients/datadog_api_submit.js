// Submits logs, v1 and v2 series, an event and service checks to a local heeler with
// the official @datadog/datadog-api-client, over plain HTTP.
// Usage: node datadog_api_submit.js <port> <prefix> <api-key> <unix-seconds>
// Prints one JSON line per call with the answer, for the test to assert on.
"use strict";
const { client, v1, v2 } = require("@datadog/datadog-api-client");

const [port, prefix, apiKey, nowArg] = process.argv.slice(2);
const now = Number(nowArg);

const configuration = client.createConfiguration({
  baseServer: new client.BaseServerConfiguration(`http://127.0.0.1:${port}`, {}),
  authMethods: { apiKeyAuth: apiKey, appKeyAuth: "unused" },
  enableRetry: false,
});

async function main() {
  const out = {};
  // Logs, gzip-compressed by the client; the message is a JSON document whose
  // dd.trace_id is a decimal above 2^53.
  out.logs = await new v2.LogsApi(configuration).submitLog({
    contentEncoding: "gzip",
    body: [
      {
        message: JSON.stringify({
          msg: `${prefix} checkout failed`,
          level: "error",
          "dd.trace_id": "12345678901234567890",
          "dd.span_id": "987654321",
          order: { id: 4711, total: 99.5 },
        }),
        ddsource: "nodejs",
        ddtags: "env:it,version:9.9.9,team:blue",
        hostname: "it-host",
        service: `${prefix}-svc`,
      },
      // Attributes beyond the typed fields travel in additionalProperties.
      {
        message: `${prefix} plain line`,
        ddsource: "nodejs",
        service: `${prefix}-svc`,
        additionalProperties: { status: "warn", http: { status_code: 503 } },
      },
    ],
  });
  out.series_v1 = await new v1.MetricsApi(configuration).submitMetrics({
    body: {
      series: [
        {
          metric: `${prefix}.v1.gauge`,
          type: "gauge",
          points: [[now - 10, 42.5]],
          host: "it-host",
          tags: ["env:it", "team:blue"],
        },
        { metric: `${prefix}.v1.count`, type: "count", interval: 10, points: [[now - 10, 7]], tags: ["env:it"] },
      ],
    },
  });
  out.series_v2 = await new v2.MetricsApi(configuration).submitMetrics({
    body: {
      series: [
        {
          metric: `${prefix}.v2.rate`,
          type: 2,
          interval: 10,
          points: [{ timestamp: now - 5, value: 1.25 }],
          resources: [{ name: "it-host-2", type: "host" }],
          tags: ["env:it"],
        },
      ],
    },
  });
  out.event = await new v1.EventsApi(configuration).createEvent({
    body: {
      title: `${prefix} deploy`,
      text: "version 9.9.9 rolled out",
      dateHappened: now - 20,
      priority: "low",
      host: "it-host",
      tags: ["service:web", "env:it"],
      alertType: "warning",
      aggregationKey: "deploy-1",
      sourceTypeName: "jenkins",
    },
  });
  out.check = await new v1.ServiceChecksApi(configuration).submitServiceCheck({
    body: [
      { check: `${prefix}.check`, hostName: "it-host", status: 2, timestamp: now - 3, message: "disk full", tags: ["env:it"] },
    ],
  });
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  if (err && err.body) process.stderr.write(`body: ${JSON.stringify(err.body)}\n`);
  process.exit(1);
});
