// Sends logs to Cinder with the unmodified Logflare clients: pino + pino-logflare (by source
// token) and logflare-transport-core's HttpClient (by source name).
// Usage: node send.mjs <base url> <api key> <source token> <source name> <run id>
import pino from "pino";
import pinoLogflare from "pino-logflare";
import transportCore from "logflare-transport-core";

// Both packages are CommonJS: their exports arrive on the default import.
const createTransport = pinoLogflare.default ?? pinoLogflare;
const { HttpClient } = transportCore;

const [baseUrl, apiKey, sourceToken, sourceName, runId] = process.argv.slice(2);

const errors = [];
const onError = (payload, error) => errors.push(`${error}`);

// pino-logflare: a pino transport that batches and posts with logflare-transport-core.
// Its failures are not reported back here; the test counts what arrived.
const transport = await createTransport({ apiKey, sourceToken, apiBaseUrl: baseUrl, batchSize: 5 });
const logger = pino({ level: "info" }, transport);
for (let i = 0; i < 12; i++) {
  logger.info({ run: runId, client: "pino-logflare", n: i, user: { id: i % 3 } }, `pino message ${i}`);
}
logger.error({ run: runId, client: "pino-logflare", n: 12 }, "pino failure");
await new Promise((resolve) => transport.end(resolve));

// logflare-transport-core directly.
const client = new HttpClient({ apiKey, sourceName, apiBaseUrl: baseUrl, onError });
await client.postLogEvents([
  { message: "core message 0", metadata: { run: runId, client: "transport-core", n: 0 } },
  { message: "core message 1", metadata: { run: runId, client: "transport-core", n: 1 } },
]);

if (errors.length > 0) {
  console.error(errors.join("\n"));
  process.exit(1);
}
