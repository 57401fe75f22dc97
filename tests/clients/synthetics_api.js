// Drives heeler's synthetics API with the official @datadog/datadog-api-client:
// creates API tests against a target server, triggers them, polls their latest
// results and reads each result in full, as a CI job would.
// Usage: node synthetics_api.js <heeler port> <target base URL>
// Prints one JSON document: {tests: {name: {public_id, latest, full}}, list}.
"use strict";
const { client, v1 } = require("@datadog/datadog-api-client");

const [port, target] = process.argv.slice(2);
const configuration = client.createConfiguration({
  baseServer: new client.BaseServerConfiguration(`http://127.0.0.1:${port}`, {}),
  authMethods: { apiKeyAuth: "unused", appKeyAuth: "unused" },
  enableRetry: false,
});
const api = new v1.SyntheticsApi(configuration);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const tests = {
  flaky: {
    config: {
      request: { method: "GET", url: `${target}/flaky` },
      assertions: [{ type: "statusCode", operator: "is", target: 200 }],
    },
    options: { tickEvery: 900, retry: { count: 1, interval: 100 } },
  },
  slow: {
    config: {
      request: { method: "GET", url: `${target}/slow` },
      assertions: [
        { type: "statusCode", operator: "is", target: 200 },
        { type: "responseTime", operator: "lessThan", target: 300 },
      ],
    },
    options: { tickEvery: 900 },
  },
  login: {
    subtype: "multi",
    config: {
      steps: [
        {
          name: "sign in",
          subtype: "http",
          request: { method: "POST", url: `${target}/login`, body: '{"user":"qa"}' },
          assertions: [{ type: "statusCode", operator: "is", target: 200 }],
          extractedValues: [
            { name: "TOKEN", type: "http_body", parser: { type: "json_path", value: "$.token" } },
          ],
        },
        {
          name: "list orders",
          subtype: "http",
          request: { method: "GET", url: `${target}/orders?t={{ TOKEN }}` },
          assertions: [
            {
              type: "body",
              operator: "validatesJSONPath",
              target: { jsonPath: "$.orders[0].id", operator: "is", targetValue: 17 },
            },
          ],
        },
      ],
    },
    options: { tickEvery: 900 },
  },
};

async function main() {
  const out = { tests: {} };
  for (const [name, t] of Object.entries(tests)) {
    const created = await api.createSyntheticsAPITest({
      body: {
        name,
        type: "api",
        subtype: t.subtype || "http",
        config: t.config,
        options: t.options,
        locations: ["local"],
        message: `${name} failed @webhook-qa`,
        tags: ["smoke", `name:${name}`],
        // Paused: only the runs this script triggers happen, none scheduled.
        status: "paused",
      },
    });
    out.tests[name] = { public_id: created.publicId };
  }
  const ids = Object.values(out.tests).map((t) => ({ publicId: t.public_id }));
  const triggered = await api.triggerTests({ body: { tests: ids } });
  out.triggered = triggered.results.map((r) => r.resultId);
  for (const [name, t] of Object.entries(out.tests)) {
    const wanted = triggered.results.find((r) => r.publicId === t.public_id).resultId;
    for (let i = 0; ; i++) {
      const latest = await api.getAPITestLatestResults({ publicId: t.public_id });
      const mine = (latest.results || []).find((r) => r.resultId === wanted);
      if (mine) {
        t.latest = { passed: mine.result.passed, status: mine.status, probe_dc: mine.probeDc };
        break;
      }
      if (i > 150) throw new Error(`no result for ${name}`);
      await sleep(100);
    }
    const full = await api.getAPITestResult({ publicId: t.public_id, resultId: wanted });
    t.full = {
      passed: full.result.passed,
      failure: full.result.failure ? { code: full.result.failure.code, message: full.result.failure.message } : null,
      http_status: full.result.httpStatusCode,
      total_ms: full.result.timings ? full.result.timings.total : null,
      attempts: full.additionalProperties ? full.additionalProperties.attempts : undefined,
      steps: full.result.additionalProperties ? full.result.additionalProperties.steps : undefined,
    };
  }
  const list = await api.listTests();
  out.list = list.tests.map((t) => ({ public_id: t.publicId, name: t.name, status: t.status }));
  // Live again: the scheduler takes it from there.
  await api.updateTestPauseStatus({ publicId: out.tests.flaky.public_id, body: { newStatus: "live" } });
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e) => {
  console.error(e && e.body ? JSON.stringify(e.body) : e);
  process.exit(1);
});
