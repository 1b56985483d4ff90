#!/usr/bin/python3
"""Publishes the original sseserver's pets example to SseService over gRPC, from Python.

    /usr/bin/python3 examples/python/producer.py [ADDRESS] [--once]

ADDRESS is the service's gRPC endpoint: http://127.0.0.1:8002, 127.0.0.1:8002 or https://host:port
(default: $SSE_GRPC_ADDRESS, else localhost:8002).

The stubs are generated at start from protos/sse/v1/sse.proto in this repository (grpc_tools.protoc,
into a temporary directory), so they always match the contract and nothing generated is committed.

Each round publishes a dog and a cat with unary Broadcast, then three more pets over one
BroadcastStream, and prints every reply as JSON. With --once it publishes one round and exits
(0 when every call succeeded); without it, it publishes the time to /time every second and a round
of pets every 5 seconds until Ctrl+C, waiting out a service that is down or restarting.
"""

import argparse
import datetime
import importlib
import json
import os
import pathlib
import sys
import tempfile
import time
import urllib.parse

INSTALL_HINT = (
    "Install Debian's gRPC packages first: apt-get install python3-grpcio python3-grpc-tools python3-pkg-resources "
    "(or: bash examples/install-deps.sh), and run this script with Debian's /usr/bin/python3."
)

try:
    import grpc
    from grpc_tools import protoc
except ImportError as missing:
    sys.exit(f"{missing}\n{INSTALL_HINT}")

PROTO_ROOT = pathlib.Path(__file__).resolve().parents[2] / "protos"
CALL_TIMEOUT_SECONDS = 30

# The original's pets: the first two go one by one, the rest over one stream.
UNARY_PETS = [
    ("/pets/dogs", "new-dog", "Corgi"),
    ("/pets/cats", "new-cat", "Persian"),
]
STREAMED_PETS = [
    ("/pets/dogs", "new-dog", "Terrier"),
    ("/pets/dogs", "new-dog", "Dachshund"),
    ("/pets/cats", "new-cat", "LOLcat"),
]


def load_stubs():
    """Generates sse_pb2 and sse_pb2_grpc from the proto and imports them."""
    with tempfile.TemporaryDirectory(prefix="sse-stubs-") as out:
        # sse.proto imports google/api/annotations.proto (for POST /v1/broadcast), which is under
        # protos/ and needs protobuf's own descriptor.proto, shipped with grpc_tools; protoc.main,
        # unlike "python3 -m grpc_tools.protoc", does not add that folder by itself.
        well_known = pathlib.Path(protoc.__file__).resolve().parent / "_proto"
        status = protoc.main([
            "protoc",
            f"--proto_path={PROTO_ROOT}",
            f"--proto_path={well_known}",
            f"--python_out={out}",
            f"--grpc_python_out={out}",
            str(PROTO_ROOT / "sse" / "v1" / "sse.proto"),
            str(PROTO_ROOT / "google" / "api" / "annotations.proto"),
            str(PROTO_ROOT / "google" / "api" / "http.proto"),
        ])
        if status != 0:
            sys.exit(f"protoc could not compile {PROTO_ROOT / 'sse/v1/sse.proto'} (exit {status})")
        # The generated grpc module imports "sse.v1.sse_pb2", so the output folder goes on the path.
        sys.path.insert(0, out)
        try:
            return importlib.import_module("sse.v1.sse_pb2"), importlib.import_module("sse.v1.sse_pb2_grpc")
        finally:
            sys.path.remove(out)  # once imported, the modules live in memory; the folder can go


def open_channel(address):
    """A channel for "host:port", "http://host:port[/]" (cleartext) or "https://host:port" (TLS)."""
    url = urllib.parse.urlsplit(address if "://" in address else f"http://{address}")
    if url.scheme == "http":
        return grpc.insecure_channel(url.netloc)
    if url.scheme == "https":
        return grpc.secure_channel(url.netloc, grpc.ssl_channel_credentials())
    sys.exit(f"address {address}: the scheme must be http or https")


def as_json(fields):
    # Compact, with proto3 JSON's field names and types, as grpcurl shows them (lastId; uint64 as a string).
    return json.dumps(fields, separators=(",", ":"))


def publish_pets(stub, pb):
    for namespace, event, name in UNARY_PETS:
        reply = stub.Broadcast(pb.SseMessage(namespace=namespace, event=event, data=name), timeout=CALL_TIMEOUT_SECONDS)
        print(f"Broadcast {namespace} {event} {name}: {as_json({'id': reply.id, 'subscribers': reply.subscribers})}",
              flush=True)

    # A generator is the request stream; when it ends, the client half-closes and gets one summary.
    messages = (pb.SseMessage(namespace=namespace, event=event, data=name) for namespace, event, name in STREAMED_PETS)
    summary = stub.BroadcastStream(messages, timeout=CALL_TIMEOUT_SECONDS)
    names = ", ".join(name for _, _, name in STREAMED_PETS)
    print(f"BroadcastStream {names}: {as_json({'accepted': str(summary.accepted), 'lastId': summary.last_id})}",
          flush=True)


def time_of_day(now):
    """Formats the time as the C# sample producer does: "7:29:54 AM (+00:00)"."""
    offset = now.strftime("%z")
    return f"{now.hour % 12 or 12}:{now:%M:%S} {'AM' if now.hour < 12 else 'PM'} ({offset[:3]}:{offset[3:]})"


def publish_forever(stub, pb):
    tick = 0
    while True:
        try:
            now = datetime.datetime.now().astimezone()
            stub.Broadcast(pb.SseMessage(namespace="/time", data=time_of_day(now)), timeout=CALL_TIMEOUT_SECONDS)
            if tick % 5 == 4:
                publish_pets(stub, pb)
        except grpc.RpcError as error:
            # The service may start after the producer, or restart: try again on the next tick.
            if error.code() != grpc.StatusCode.UNAVAILABLE:
                raise
            print(f"Service unavailable ({error.details()}); retrying.", file=sys.stderr, flush=True)
        tick += 1
        time.sleep(1)


def main():
    parser = argparse.ArgumentParser(description="Publish the pets example to SseService over gRPC.")
    parser.add_argument("address", nargs="?", default=os.environ.get("SSE_GRPC_ADDRESS") or "localhost:8002",
                        help="gRPC endpoint (default: $SSE_GRPC_ADDRESS, else localhost:8002)")
    parser.add_argument("--once", action="store_true", help="publish the pets once and exit")
    args = parser.parse_args()

    pb, pb_grpc = load_stubs()
    with open_channel(args.address) as channel:
        stub = pb_grpc.BroadcasterStub(channel)
        try:
            if args.once:
                publish_pets(stub, pb)
            else:
                print(f"Publishing to {args.address}: /time every second, /pets/dogs and /pets/cats every 5 seconds. "
                      "Ctrl+C to stop.", flush=True)
                publish_forever(stub, pb)
        except grpc.RpcError as error:
            sys.exit(f"Publishing to {args.address} failed: {error.code().name}: {error.details()}")
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
