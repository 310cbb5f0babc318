"""Produce, then consume in a group with manual commits, using confluent-kafka (librdkafka).

Prints one JSON object on stdout: what was produced (with the partition and offset the broker
acknowledged), what the group consumer received, and the offsets it committed. Running it again
with the same group must only deliver messages produced after the previous commit.

Usage: confluent_client.py BOOTSTRAP TOPIC GROUP PREFIX COUNT EXPECT [--timeout S]
  produces COUNT messages keyed PREFIX-i, then consumes until EXPECT messages arrived, keeps
  polling for a short quiet period to catch anything extra, commits synchronously and closes.
"""
import argparse
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition


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
    deadline = time.monotonic() + args.timeout

    produced = []
    errors = []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            produced.append(
                {
                    "key": msg.key().decode(),
                    "value": None if msg.value() is None else msg.value().decode(),
                    "partition": msg.partition(),
                    "offset": msg.offset(),
                }
            )

    # murmur2_random places keys like the Java client, so the test can predict partitions.
    producer = Producer(
        {
            "bootstrap.servers": args.bootstrap,
            "partitioner": "murmur2_random",
            "acks": "all",
            "message.timeout.ms": int(args.timeout * 1000),
        }
    )
    for i in range(args.count):
        key = f"{args.prefix}-{i}"
        # every fifth message is a tombstone, to cover NULL values
        value = None if i % 5 == 4 else f"{args.prefix} value {i}"
        producer.produce(args.topic, key=key.encode(), value=None if value is None else value.encode(),
                         headers=[("client", b"confluent-kafka")], on_delivery=on_delivery)
    remaining = producer.flush(args.timeout)
    if remaining or errors:
        print(json.dumps({"error": f"produce failed: unsent={remaining} errors={errors}"}))
        return 1

    consumer = Consumer(
        {
            "bootstrap.servers": args.bootstrap,
            "group.id": args.group,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([args.topic])
    consumed = []
    quiet_until = None
    try:
        while time.monotonic() < deadline:
            if len(consumed) >= args.expect:
                if quiet_until is None:
                    quiet_until = time.monotonic() + args.quiet_period
                if time.monotonic() >= quiet_until:
                    break
            msg = consumer.poll(0.2)
            if msg is None:
                continue
            if msg.error():
                raise KafkaException(msg.error())
            headers = [[k, v.decode() if v is not None else None] for k, v in (msg.headers() or [])]
            consumed.append(
                {
                    "key": msg.key().decode() if msg.key() is not None else None,
                    "value": msg.value().decode() if msg.value() is not None else None,
                    "partition": msg.partition(),
                    "offset": msg.offset(),
                    "headers": headers,
                }
            )
        committed = []
        if consumed:
            # commit() with no arguments commits the current positions (last delivered + 1)
            result = consumer.commit(asynchronous=False)
            committed = [
                {"partition": tp.partition, "offset": tp.offset, "error": str(tp.error) if tp.error else None}
                for tp in result
                if tp.topic == args.topic
            ]
        partitions = sorted(consumer.list_topics(args.topic, timeout=10).topics[args.topic].partitions)
        check = consumer.committed([TopicPartition(args.topic, p) for p in partitions], timeout=10)
        stored = {tp.partition: tp.offset for tp in check}
    finally:
        consumer.close()

    print(json.dumps({"produced": produced, "consumed": consumed, "committed": committed, "stored": stored,
                      "timed_out": len(consumed) < args.expect}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
