// Drives the real hot-shots DogStatsD client against heeler's UDP receiver.
//   node dogstatsd_hotshots.js <host> <port> <metric prefix>
// Sends every type once (values the integration test asserts), then closes the
// client. Sampling is made deterministic (every sampled call is sent with its @rate)
// and all sends happen early in one wall-clock second so they share a 1 s interval.
'use strict';

const StatsD = require('hot-shots');

const [host, portText, prefix] = process.argv.slice(2);
if (!host || !portText || !prefix) {
  console.error('usage: node dogstatsd_hotshots.js <host> <port> <prefix>');
  process.exit(2);
}

Math.random = () => 0;  // hot-shots sends a sampled call when Math.random() < rate

const client = new StatsD({
  host,
  port: Number(portText),
  globalTags: { env: 'it' },
  errorHandler: (err) => {
    console.error('hot-shots error:', err);
    process.exitCode = 1;
  },
});

function sendAll() {
  const tags = ['team:obs', 'region:eu'];
  client.gauge(`${prefix}.gauge`, 42.5, tags);
  client.increment(`${prefix}.count`, 3, tags);
  client.increment(`${prefix}.count`, 2, tags);
  client.decrement(`${prefix}.count.dec`, 1, tags);
  for (let i = 0; i < 3; i++) client.increment(`${prefix}.sampled`, 1, 0.5, tags);
  for (const v of [10, 20, 30, 40]) client.histogram(`${prefix}.hist`, v, tags);
  for (let v = 1; v <= 100; v++) client.distribution(`${prefix}.dist`, v, tags);
  for (const u of ['u1', 'u2', 'u1', 'u3']) client.set(`${prefix}.set`, u, tags);
  client.timing(`${prefix}.timing`, 350, 0.5, tags);
  client.timing(`${prefix}.timing`, 150, 0.5, tags);
  client.gauge(`${prefix}.gdelta`, 10, tags);
  client.gaugeDelta(`${prefix}.gdelta`, 5, tags);
  client.gaugeDelta(`${prefix}.gdelta`, -3, tags);
  client.event(`${prefix} deploy`, 'v1.2.3 deployed\nsecond line',
               { aggregation_key: 'agg', priority: 'low', source_type_name: 'my_src',
                 alert_type: 'warning', hostname: 'host-1' },
               ['deploy:yes']);
  client.check(`${prefix}.check`, client.CHECKS.WARNING,
               { hostname: 'host-1', message: 'disk almost full' }, ['disk:sda']);
  // Unbuffered sends are asynchronous: let the socket drain before closing it.
  setTimeout(() => client.close((err) => {
    if (err) {
      console.error('close:', err);
      process.exitCode = 1;
    }
  }), 200);
}

// Start at the beginning of a wall-clock second, so one 1 s flush interval holds it all.
const ms = Date.now() % 1000;
setTimeout(sendAll, ms < 20 ? 0 : 1000 - ms + 5);
