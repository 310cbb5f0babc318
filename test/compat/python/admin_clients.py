"""Admin clients of confluent-kafka 2.x and kafka-python 2.2 against a broker, for
test/compat/python-clients.test.ts. Args: client bootstrap topic group. The group must exist
with committed offsets (an earlier consume run). Prints one JSON object on stdout."""
import json
import sys

client, bootstrap, topic, group = sys.argv[1:5]
created = topic + "-admin"
out = {}

if client == "confluent-kafka":
    from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException
    from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic, ResourceType

    a = AdminClient({"bootstrap.servers": bootstrap})
    a.create_topics([NewTopic(created, 1, 1, config={"retention.ms": "7200000"})])[created].result(30)
    try:
        a.create_topics([NewTopic(created, 1, 1)])[created].result(30)
        out["duplicate"] = None
    except KafkaException as e:
        out["duplicate"] = e.args[0].name()
    a.create_partitions([NewPartitions(created, 3)])[created].result(30)
    md = a.list_topics(timeout=30)
    out["partitions"] = len(md.topics[created].partitions)
    res = ConfigResource(ResourceType.TOPIC, created)
    cfg = a.describe_configs([res])[res].result(30)
    out["retention"] = [cfg["retention.ms"].value, cfg["retention.ms"].source]
    out["groups"] = sorted(g.group_id for g in a.list_consumer_groups().result(30).valid)
    d = a.describe_consumer_groups([group])[group].result(30)
    out["state"] = str(d.state).split(".")[-1]
    offs = a.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result(30)
    out["committed"] = {str(tp.partition): tp.offset for tp in offs.topic_partitions if tp.topic == topic}
    a.delete_topics([created])[created].result(30)
    a.delete_consumer_groups([group])[group].result(30)
    out["groupsAfter"] = sorted(g.group_id for g in a.list_consumer_groups().result(30).valid)
else:
    from kafka import KafkaAdminClient
    from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    a = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=30000)
    a.create_topics([NewTopic(created, 1, 1, topic_configs={"retention.ms": "7200000"})])
    try:
        a.create_topics([NewTopic(created, 1, 1)])
        out["duplicate"] = None
    except TopicAlreadyExistsError as e:
        out["duplicate"] = "TOPIC_ALREADY_EXISTS"
    a.create_partitions({created: NewPartitions(3)})
    desc = [t for t in a.describe_topics([created]) if t["topic"] == created][0]
    out["partitions"] = len(desc["partitions"])
    cfg = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, created, {"retention.ms": None})])
    resource = cfg[0].to_object()["resources"][0]
    out["retention"] = [[e["config_value"], e["config_source"]] for e in resource["config_entries"] if e["config_names"] == "retention.ms"][0]
    out["groups"] = sorted(g[0] for g in a.list_consumer_groups())
    d = a.describe_consumer_groups([group])[0]
    out["state"] = d.state.upper() if d.state.upper() != "EMPTY" else "EMPTY"
    offs = a.list_consumer_group_offsets(group)
    out["committed"] = {str(tp.partition): o.offset for tp, o in offs.items() if tp.topic == topic}
    a.delete_topics([created])
    a.delete_consumer_groups([group])
    out["groupsAfter"] = sorted(g[0] for g in a.list_consumer_groups())
    a.close()

print(json.dumps(out))
