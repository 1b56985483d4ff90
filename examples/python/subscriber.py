#!/usr/bin/python3
"""Subscribes to SseService over gRPC (Broadcaster.Subscribe), from Python, and prints every event.

    /usr/bin/python3 examples/python/subscriber.py [ADDRESS] --namespace NS [--namespace NS ...]
        [--last-event-id ID] [--count N] [--token TOKEN]

ADDRESS is the service's gRPC endpoint, as for producer.py (default: $SSE_GRPC_ADDRESS, else
localhost:8002). Each event is printed as one JSON line: {"id":…,"event":…,"data":…,"namespace":…}.
An event whose "event" is "sse-reset" says events may be missing (the id given was too old or unknown).

One stream carries every namespace given, each event once, in the service's order. --last-event-id
resumes after that id; without --count the subscriber runs until Ctrl+C and, when the stream ends
(the service restarting, say), subscribes again after the last id it printed, so nothing is missed
that the service still holds. With --count it exits 0 after N events. --token (or $SSE_TOKEN) is sent
as "authorization: Bearer …" for private namespaces.
"""

import argparse
import os
import sys
import time

# The stubs and channel come from the producer example next to this file.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from producer import as_json, load_stubs, open_channel  # noqa: E402

import grpc  # noqa: E402  (producer.py explains how to install it when it is missing)

RECONNECT_DELAY_SECONDS = 1


def subscribe(stub, pb, namespaces, last_event_id, token, count):
    """Prints events until the stream ends or `count` were printed; returns (printed, last id seen)."""
    metadata = [("authorization", f"Bearer {token}")] if token else None
    call = stub.Subscribe(pb.SubscribeRequest(namespaces=namespaces, last_event_id=last_event_id or ""), metadata=metadata)
    headers = dict(call.initial_metadata())
    print(f"Subscribed to {', '.join(namespaces)} (resume: {headers.get('sse-resume', 'not requested')})",
          file=sys.stderr, flush=True)
    printed = 0
    try:
        for event in call:
            print(as_json({"id": event.id, "event": event.event, "data": event.data, "namespace": event.namespace}), flush=True)
            printed += 1
            if event.id:  # the reset event carries no id: keep resuming after the last real one
                last_event_id = event.id
            if count is not None and printed >= count:
                call.cancel()
                break
    except grpc.RpcError as error:
        if error.code() == grpc.StatusCode.CANCELLED and count is not None and printed >= count:
            pass
        else:
            raise
    return printed, last_event_id or headers.get("sse-last-event-id")


def main():
    parser = argparse.ArgumentParser(description="Subscribe to SseService over gRPC and print every event.")
    parser.add_argument("address", nargs="?", default=os.environ.get("SSE_GRPC_ADDRESS") or "localhost:8002",
                        help="gRPC endpoint (default: $SSE_GRPC_ADDRESS, else localhost:8002)")
    parser.add_argument("--namespace", action="append", required=True, help="a namespace to receive (repeatable)")
    parser.add_argument("--last-event-id", help="resume after this event id")
    parser.add_argument("--count", type=int, help="exit after this many events")
    parser.add_argument("--token", default=os.environ.get("SSE_TOKEN"), help="credential (default: $SSE_TOKEN)")
    args = parser.parse_args()
    if args.count is not None and args.count < 1:
        parser.error("--count must be at least 1")

    pb, pb_grpc = load_stubs()
    last_event_id = args.last_event_id
    remaining = args.count
    with open_channel(args.address) as channel:
        stub = pb_grpc.BroadcasterStub(channel)
        try:
            while True:
                try:
                    printed, last_event_id = subscribe(stub, pb, args.namespace, last_event_id, args.token, remaining)
                except grpc.RpcError as error:
                    # Only a service that is away is waited out; a refusal (bad namespace, credential) is final.
                    if args.count is not None or error.code() != grpc.StatusCode.UNAVAILABLE:
                        raise
                    printed = 0
                    print(f"Service unavailable ({error.details()}); resubscribing.", file=sys.stderr, flush=True)
                if remaining is not None:
                    remaining -= printed
                    if remaining <= 0:
                        return
                    sys.exit(f"the stream ended after {args.count - remaining} of {args.count} events")
                time.sleep(RECONNECT_DELAY_SECONDS)
        except grpc.RpcError as error:
            sys.exit(f"Subscribing at {args.address} failed: {error.code().name}: {error.details()}")
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
