"""Produce, then consume in a group with manual commits, using kafka-python.

Same contract as confluent_client.py: prints one JSON object with the produced records (and the
partition/offset the broker acknowledged), the consumed records and the committed offsets.

Usage: kafka_python_client.py BOOTSTRAP TOPIC GROUP PREFIX COUNT EXPECT [--timeout S]
"""
import argparse
import json
import logging
import os
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("bootstrap")
    ap.add_argument("topic")
    ap.add_argument("group")
    ap.add_argument("prefix")
    ap.add_argument("count", type=int)
    ap.add_argument("expect", type=int)
    ap.add_argument("--timeout", type=float, default=40.0)
    ap.add_argument("--quiet-period", type=float, default=1.5)
    args = ap.parse_args()
    if os.environ.get("KAFKA_PYTHON_DEBUG"):
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    deadline = time.monotonic() + args.timeout

    # No api_version: let kafka-python probe the broker the way it does in the field.
    producer = KafkaProducer(bootstrap_servers=args.bootstrap, acks="all",
                             request_timeout_ms=int(args.timeout * 1000))
    futures = []
    for i in range(args.count):
        key = f"{args.prefix}-{i}"
        value = None if i % 5 == 4 else f"{args.prefix} value {i}"
        fut = producer.send(args.topic, key=key.encode(), value=None if value is None else value.encode(),
                            headers=[("client", b"kafka-python")])
        futures.append((key, value, fut))
    producer.flush(timeout=args.timeout)
    produced = []
    for key, value, fut in futures:
        md = fut.get(timeout=args.timeout)
        produced.append({"key": key, "value": value, "partition": md.partition, "offset": md.offset})
    producer.close(timeout=10)

    consumer = KafkaConsumer(
        args.topic,
        bootstrap_servers=args.bootstrap,
        group_id=args.group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    consumed = []
    quiet_until = None
    try:
        while time.monotonic() < deadline:
            if len(consumed) >= args.expect:
                if quiet_until is None:
                    quiet_until = time.monotonic() + args.quiet_period
                if time.monotonic() >= quiet_until:
                    break
            batches = consumer.poll(timeout_ms=200)
            for records in batches.values():
                for r in records:
                    consumed.append(
                        {
                            "key": r.key.decode() if r.key is not None else None,
                            "value": r.value.decode() if r.value is not None else None,
                            "partition": r.partition,
                            "offset": r.offset,
                            "headers": [[k, v.decode() if v is not None else None] for k, v in r.headers],
                        }
                    )
        if consumed:
            consumer.commit()  # synchronous; commits the current positions
        stored = {}
        for p in sorted(consumer.partitions_for_topic(args.topic) or []):
            off = consumer.committed(TopicPartition(args.topic, p))
            stored[p] = -1 if off is None else off
    finally:
        consumer.close(autocommit=False)

    print(json.dumps({"produced": produced, "consumed": consumed, "stored": stored,
                      "timed_out": len(consumed) < args.expect}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
