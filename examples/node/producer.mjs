// Publishes the original sseserver's pets example to SseService over gRPC, from Node.js.
//
//   node producer.mjs [ADDRESS] [--once]
//
// ADDRESS is the service's gRPC endpoint: http://127.0.0.1:8002, 127.0.0.1:8002 or https://host:port
// (default: $SSE_GRPC_ADDRESS, else localhost:8002). The contract is read at run time from
// protos/sse/v1/sse.proto in this repository: nothing is generated or copied.
//
// Each round publishes a dog and a cat with unary Broadcast, then three more pets over one
// BroadcastStream, and prints every reply as JSON. With --once it publishes one round and exits
// (0 when every call succeeded); without it, it publishes the time to /time every second and a
// round of pets every 5 seconds until Ctrl+C, waiting out a service that is down or restarting.

import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import process from "node:process";

// Imported dynamically so that a missing install is one clear line rather than a stack trace.
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
const CALL_TIMEOUT_MS = 30_000;

// The original's pets: the first two go one by one, the rest over one stream.
const UNARY_PETS = [
  { namespace: "/pets/dogs", event: "new-dog", data: "Corgi" },
  { namespace: "/pets/cats", event: "new-cat", data: "Persian" },
];
const STREAMED_PETS = [
  { namespace: "/pets/dogs", event: "new-dog", data: "Terrier" },
  { namespace: "/pets/dogs", event: "new-dog", data: "Dachshund" },
  { namespace: "/pets/cats", event: "new-cat", data: "LOLcat" },
];

function parseArguments(argv) {
  const usage = "usage: node producer.mjs [ADDRESS] [--once]";
  let address = process.env.SSE_GRPC_ADDRESS || "localhost:8002";
  let once = false;
  for (const argument of argv) {
    if (argument === "--once") {
      once = true;
    } else if (argument === "-h" || argument === "--help") {
      console.log(usage);
      process.exit(0);
    } else if (argument.startsWith("-")) {
      console.error(`unknown option ${argument}\n${usage}`);
      process.exit(2);
    } else {
      address = argument;
    }
  }
  return { address, once };
}

/** A Broadcaster client for "host:port", "http://host:port[/]" (cleartext) or "https://host:port" (TLS). */
function createClient(address) {
  const url = new URL(address.includes("://") ? address : `http://${address}`);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`address ${address}: the scheme must be http or https`);
  }
  const credentials = url.protocol === "https:" ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
  const definition = protoLoader.loadSync("sse/v1/sse.proto", {
    includeDirs: [PROTO_ROOT],
    longs: String, // uint64 "accepted" as a string, as proto3 JSON (and grpcurl) show it
    defaults: true,
  });
  const { Broadcaster } = grpc.loadPackageDefinition(definition).sse.v1;
  return new Broadcaster(url.host, credentials);
}

const deadline = () => ({ deadline: Date.now() + CALL_TIMEOUT_MS });

function broadcast(client, message) {
  return new Promise((resolve, reject) => {
    client.Broadcast(message, deadline(), (error, reply) => (error ? reject(error) : resolve(reply)));
  });
}

function broadcastStream(client, messages) {
  return new Promise((resolve, reject) => {
    const call = client.BroadcastStream(deadline(), (error, summary) => (error ? reject(error) : resolve(summary)));
    for (const message of messages) {
      call.write(message);
    }
    call.end(); // half-close: the service answers with one summary
  });
}

async function publishPets(client) {
  for (const pet of UNARY_PETS) {
    const reply = await broadcast(client, pet);
    console.log(`Broadcast ${pet.namespace} ${pet.event} ${pet.data}: ${JSON.stringify(reply)}`);
  }
  const summary = await broadcastStream(client, STREAMED_PETS);
  const names = STREAMED_PETS.map((pet) => pet.data).join(", ");
  console.log(`BroadcastStream ${names}: ${JSON.stringify(summary)}`);
}

/** "7:29:54 AM (+00:00)", as the C# sample producer formats it. */
function timeOfDay(now) {
  const hours = now.getHours() % 12 || 12;
  const pad = (n) => String(n).padStart(2, "0");
  const offset = -now.getTimezoneOffset();
  const sign = offset < 0 ? "-" : "+";
  const zone = `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${hours}:${pad(now.getMinutes())}:${pad(now.getSeconds())} ${now.getHours() < 12 ? "AM" : "PM"} (${zone})`;
}

async function publishForever(client) {
  for (let tick = 0; ; tick++) {
    try {
      await broadcast(client, { namespace: "/time", data: timeOfDay(new Date()) });
      if (tick % 5 === 4) {
        await publishPets(client);
      }
    } catch (error) {
      // The service may start after the producer, or restart: try again on the next tick.
      if (error.code !== grpc.status.UNAVAILABLE) {
        throw error;
      }
      console.error(`Service unavailable (${error.details}); retrying.`);
    }
    await sleep(1000);
  }
}

const { address, once } = parseArguments(process.argv.slice(2));
const client = createClient(address);
try {
  if (once) {
    await publishPets(client);
  } else {
    console.log(`Publishing to ${address}: /time every second, /pets/dogs and /pets/cats every 5 seconds. Ctrl+C to stop.`);
    await publishForever(client);
  }
} catch (error) {
  const status = error.code !== undefined ? `${grpc.status[error.code] ?? error.code}: ${error.details}` : error.message;
  console.error(`Publishing to ${address} failed: ${status}`);
  process.exitCode = 1;
} finally {
  client.close(); // lets the process exit
}
