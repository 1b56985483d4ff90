// Subscribes to SseService over gRPC (Broadcaster.Subscribe), from Node.js, and prints every event.
//
//   node subscriber.mjs [ADDRESS] --namespace NS [--namespace NS ...] [--last-event-id ID] [--count N]
//
// ADDRESS is the service's gRPC endpoint, as for producer.mjs (default: $SSE_GRPC_ADDRESS, else
// localhost:8002). Each event is printed as one JSON line: {"id":…,"event":…,"data":…,"namespace":…};
// an event whose "event" is "sse-reset" says events may be missing (the id given was too old or unknown).
// One stream carries every namespace given, each event once, in the service's order. With --count it
// exits 0 after N events; without it, it runs until Ctrl+C and, when the stream ends, subscribes again
// after the last id it printed. $SSE_TOKEN, when set, is sent as "authorization: Bearer …".

import { fileURLToPath } from "node:url";
import process from "node:process";

let grpc, protoLoader;
try {
  grpc = (await import("@grpc/grpc-js")).default;
  protoLoader = (await import("@grpc/proto-loader")).default;
} catch (error) {
  if (error.code !== "ERR_MODULE_NOT_FOUND") {
    throw error;
  }
  console.error(`${error.message}\nInstall the dependencies first: (cd examples/node && npm ci)`);
  process.exit(2);
}

const PROTO_ROOT = fileURLToPath(new URL("../../protos", import.meta.url));
const RECONNECT_DELAY_MS = 1_000;
const USAGE = "usage: node subscriber.mjs [ADDRESS] --namespace NS [--namespace NS ...] [--last-event-id ID] [--count N]";

function fail(message, code = 2) {
  console.error(message);
  process.exit(code);
}

function parseArguments(argv) {
  const options = { address: process.env.SSE_GRPC_ADDRESS || "localhost:8002", namespaces: [], lastEventId: "", count: null };
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : fail(`${argument} needs a value\n${USAGE}`));
    if (argument === "--namespace") {
      options.namespaces.push(value());
    } else if (argument === "--last-event-id") {
      options.lastEventId = value();
    } else if (argument === "--count") {
      options.count = Number.parseInt(value(), 10);
      if (!(options.count >= 1)) fail(`--count must be a number of at least 1\n${USAGE}`);
    } else if (argument === "-h" || argument === "--help") {
      console.log(USAGE);
      process.exit(0);
    } else if (argument.startsWith("-")) {
      fail(`unknown option ${argument}\n${USAGE}`);
    } else {
      options.address = argument;
    }
  }
  if (options.namespaces.length === 0) fail(`at least one --namespace is required\n${USAGE}`);
  return options;
}

function createClient(address) {
  const url = new URL(address.includes("://") ? address : `http://${address}`);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    fail(`address ${address}: the scheme must be http or https`);
  }
  const credentials = url.protocol === "https:" ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
  const definition = protoLoader.loadSync("sse/v1/sse.proto", { includeDirs: [PROTO_ROOT], defaults: true });
  const { Broadcaster } = grpc.loadPackageDefinition(definition).sse.v1;
  return new Broadcaster(url.host, credentials);
}

/** One Subscribe call: resolves with the events printed and the last id, rejects with the call's error. */
function subscribeOnce(client, options, lastEventId, remaining) {
  return new Promise((resolve, reject) => {
    const metadata = new grpc.Metadata();
    if (process.env.SSE_TOKEN) metadata.set("authorization", `Bearer ${process.env.SSE_TOKEN}`);
    const call = client.Subscribe({ namespaces: options.namespaces, lastEventId }, metadata);
    let printed = 0;
    let done = false;
    call.on("metadata", (headers) => {
      const resume = headers.get("sse-resume")[0] ?? "not requested";
      console.error(`Subscribed to ${options.namespaces.join(", ")} (resume: ${resume})`);
      if (!lastEventId) lastEventId = headers.get("sse-last-event-id")[0] ?? "";
    });
    call.on("data", (event) => {
      console.log(JSON.stringify({ id: event.id, event: event.event, data: event.data, namespace: event.namespace }));
      printed++;
      if (event.id) lastEventId = event.id; // the reset event carries no id: resume after the last real one
      if (remaining !== null && printed >= remaining && !done) {
        done = true;
        call.cancel();
        resolve({ printed, lastEventId });
      }
    });
    call.on("error", (error) => {
      if (!done) reject(error);
    });
    call.on("end", () => {
      if (!done) resolve({ printed, lastEventId });
    });
  });
}

const options = parseArguments(process.argv.slice(2));
const client = createClient(options.address);
let lastEventId = options.lastEventId;
let remaining = options.count;
try {
  for (;;) {
    let printed = 0;
    try {
      ({ printed, lastEventId } = await subscribeOnce(client, options, lastEventId, remaining));
    } catch (error) {
      // Only a service that is away is waited out; a refusal (bad namespace, credential) is final.
      if (remaining !== null || error.code !== grpc.status.UNAVAILABLE) throw error;
      console.error(`Service unavailable (${error.details}); resubscribing.`);
    }
    if (remaining !== null) {
      remaining -= printed;
      if (remaining <= 0) break;
      fail(`the stream ended after ${options.count - remaining} of ${options.count} events`, 1);
    }
    await new Promise((resume) => setTimeout(resume, RECONNECT_DELAY_MS));
  }
} catch (error) {
  const name = Object.keys(grpc.status).find((key) => grpc.status[key] === error.code) ?? String(error.code);
  fail(`Subscribing at ${options.address} failed: ${name}: ${error.details}`, 1);
} finally {
  client.close();
}
