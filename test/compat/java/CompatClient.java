import java.time.Duration;
import java.util.*;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.serialization.*;

/**
 * The Apache Kafka Java client (kafka-clients 3.9.1 and 4.x) against a broker, for test/compat/java-client.test.ts.
 * Modes (args: mode bootstrap topic group count):
 *   produce  - idempotent producer (acks=all), `count` messages per codec (none, gzip, snappy, lz4, zstd)
 *   consume  - group member, earliest, no auto-commit: reads until `count` records, then commitSync and
 *              a quiet poll to catch extras; prints the committed offsets as well
 *   admin    - AdminClient: create/describe/list/delete topics, groups, offsets (incl. max timestamp)
 *   txn      - a transactional producer's initTransactions(), to show how it fails
 *   group3   - three consumers (cooperative-sticky) in one group, each on its own thread, commitSync
 *              after every poll, until `count` records are read between them; prints each one's
 *              partitions and record count
 *   seektime - offsetsForTimes for each partition at timestamp `prefix`, seek there, read one record
 *   admin2   - AdminClient: create partitions, describe configs, alter/delete group offsets, delete
 *              records, describe cluster
 *   cgroup   - the consumer group protocol (KIP-848, group.protocol=consumer): creates `topic` with
 *              six partitions, produces `count` records, three consumers on their own threads
 *              (commitSync after every poll) read them; describes and lists the group with the
 *              AdminClient and with kafka-consumer-groups (`prefix` is the tools' class path);
 *              closes one consumer, produces `count` more, and the other two read them.
 *              Only config strings and APIs that kafka-clients 3.9.1 has too, so the file compiles
 *              on both lines; the test runs it on 4.4.0.
 * Prints one JSON object on stdout; everything else goes to stderr.
 */
public class CompatClient {
  static final String[] CODECS = {"none", "gzip", "snappy", "lz4", "zstd"};

  public static void main(String[] args) throws Exception {
    String mode = args[0], bootstrap = args[1], topic = args[2], group = args[3];
    int count = Integer.parseInt(args[4]);
    String prefix = args.length > 5 ? args[5] : "java";
    switch (mode) {
      case "produce": produce(bootstrap, topic, count, prefix); break;
      case "consume": consume(bootstrap, topic, group, count); break;
      case "admin": admin(bootstrap, topic, group); break;
      case "txn": txn(bootstrap, topic); break;
      case "group3": group3(bootstrap, topic, group, count); break;
      case "seektime": seekTime(bootstrap, topic, Long.parseLong(prefix)); break;
      case "admin2": admin2(bootstrap, topic, group); break;
      case "cgroup": consumerProtocol(bootstrap, topic, group, count, prefix); break;
      default: throw new IllegalArgumentException(mode);
    }
  }

  static Properties base(String bootstrap) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("client.id", "java-compat");
    p.put("request.timeout.ms", "15000");
    p.put("default.api.timeout.ms", "30000");
    return p;
  }

  static void produce(String bootstrap, String topic, int count, String prefix) throws Exception {
    StringBuilder out = new StringBuilder("{\"acks\":[");
    boolean first = true;
    for (String codec : CODECS) {
      Properties p = base(bootstrap);
      p.put("enable.idempotence", "true");
      p.put("acks", "all");
      p.put("compression.type", codec);
      p.put("linger.ms", "20");
      p.put("delivery.timeout.ms", "30000");
      p.put("key.serializer", StringSerializer.class.getName());
      p.put("value.serializer", StringSerializer.class.getName());
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
        List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          String key = prefix + "-" + codec + "-" + i;
          keys.add(key);
          sent.add(producer.send(new ProducerRecord<>(topic, key, "value of " + key)));
        }
        producer.flush();
        for (int i = 0; i < sent.size(); i++) {
          RecordMetadata m = sent.get(i).get();
          if (!first) out.append(',');
          first = false;
          out.append("{\"key\":").append(q(keys.get(i))).append(",\"partition\":").append(m.partition())
              .append(",\"offset\":").append(m.offset()).append('}');
        }
      }
    }
    System.out.println(out.append("]}"));
  }

  static void consume(String bootstrap, String topic, String group, int count) throws Exception {
    Properties p = base(bootstrap);
    p.put("group.id", group);
    p.put("auto.offset.reset", "earliest");
    p.put("enable.auto.commit", "false");
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    StringBuilder recs = new StringBuilder();
    int got = 0;
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
      consumer.subscribe(Collections.singletonList(topic));
      long deadline = System.currentTimeMillis() + 60_000;
      int quietPolls = 0;
      // Read until `count` arrived, then two more empty polls so extras would show up.
      while (System.currentTimeMillis() < deadline && (got < count || quietPolls < 2)) {
        ConsumerRecords<String, String> batch = consumer.poll(Duration.ofMillis(500));
        if (got >= count && batch.isEmpty()) quietPolls++;
        for (ConsumerRecord<String, String> r : batch) {
          if (got++ > 0) recs.append(',');
          recs.append("{\"key\":").append(q(r.key())).append(",\"value\":").append(q(r.value()))
              .append(",\"partition\":").append(r.partition()).append(",\"offset\":").append(r.offset())
              .append(",\"timestamp\":").append(r.timestamp()).append('}');
        }
        if (!batch.isEmpty()) consumer.commitSync();
      }
      consumer.commitSync();
      Set<TopicPartition> parts = new HashSet<>();
      for (PartitionInfo info : consumer.partitionsFor(topic)) parts.add(new TopicPartition(topic, info.partition()));
      Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(parts);
      System.out.println("{\"records\":[" + recs + "],\"committed\":" + map(new TreeMap<>(keyed(committed))) + "}");
    }
  }

  static Map<Integer, Long> keyed(Map<TopicPartition, OffsetAndMetadata> m) {
    Map<Integer, Long> out = new HashMap<>();
    for (Map.Entry<TopicPartition, OffsetAndMetadata> e : m.entrySet()) {
      out.put(e.getKey().partition(), e.getValue() == null ? -1L : e.getValue().offset());
    }
    return out;
  }

  static void admin(String bootstrap, String topic, String group) throws Exception {
    try (Admin admin = Admin.create(base(bootstrap))) {
      String created = topic + "-admin";
      admin.createTopics(Collections.singletonList(new NewTopic(created, 2, (short) 1))).all().get();
      CreateTopicsResult again = admin.createTopics(Collections.singletonList(new NewTopic(created, 2, (short) 1)));
      String duplicate;
      try {
        again.all().get();
        duplicate = "none";
      } catch (ExecutionException e) {
        duplicate = e.getCause().getClass().getSimpleName();
      }
      Set<String> names = new TreeSet<>(admin.listTopics().names().get());
      TopicDescription d = admin.describeTopics(Collections.singletonList(topic)).allTopicNames().get().get(topic);
      TopicDescription byId = admin.describeTopics(TopicCollection.ofTopicIds(Collections.singletonList(d.topicId())))
          .allTopicIds().get().get(d.topicId());
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      Map<TopicPartition, OffsetSpec> maxTs = new HashMap<>();
      for (TopicPartitionInfo pi : d.partitions()) {
        latest.put(new TopicPartition(topic, pi.partition()), OffsetSpec.latest());
        maxTs.put(new TopicPartition(topic, pi.partition()), OffsetSpec.maxTimestamp());
      }
      Map<Integer, Long> ends = new TreeMap<>();
      admin.listOffsets(latest).all().get().forEach((tp, r) -> ends.put(tp.partition(), r.offset()));
      Map<Integer, Long> maxOffsets = new TreeMap<>();
      admin.listOffsets(maxTs).all().get().forEach((tp, r) -> maxOffsets.put(tp.partition(), r.offset()));
      List<String> groups = new ArrayList<>();
      for (ConsumerGroupListing g : admin.listConsumerGroups().all().get()) groups.add(g.groupId());
      Collections.sort(groups);
      ConsumerGroupDescription gd = admin.describeConsumerGroups(Collections.singletonList(group)).all().get().get(group);
      Map<Integer, Long> committed = keyed(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get());
      admin.deleteTopics(Collections.singletonList(created)).all().get();
      Set<String> after = admin.listTopics().names().get();
      System.out.println("{\"topics\":" + list(names) + ",\"duplicateCreate\":" + q(duplicate)
          + ",\"topicId\":" + q(d.topicId().toString()) + ",\"byIdName\":" + q(byId.name())
          + ",\"partitions\":" + d.partitions().size() + ",\"ends\":" + map(ends) + ",\"maxTimestampOffsets\":" + map(maxOffsets)
          + ",\"groups\":" + list(groups) + ",\"groupState\":" + q(String.valueOf(gd.state()))
          + ",\"committed\":" + map(new TreeMap<>(committed)) + ",\"deletedGone\":" + !after.contains(created) + "}");
    }
  }

  static void txn(String bootstrap, String topic) {
    Properties p = base(bootstrap);
    p.put("transactional.id", "java-txn");
    p.put("max.block.ms", "60000");
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      producer.initTransactions();
      System.out.println("{\"error\":null}");
    } catch (Exception e) {
      System.out.println("{\"error\":" + q(e.getClass().getName()) + ",\"message\":" + q(String.valueOf(e.getMessage())) + "}");
    }
  }

  static Properties consumerProps(String bootstrap, String group) {
    Properties p = base(bootstrap);
    if (group != null) p.put("group.id", group);
    p.put("enable.auto.commit", "false");
    p.put("auto.offset.reset", "earliest");
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    return p;
  }

  static void group3(String bootstrap, String topic, String group, int count) throws Exception {
    final java.util.concurrent.atomic.AtomicInteger total = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.ConcurrentHashMap<Integer, Set<Integer>> parts = new java.util.concurrent.ConcurrentHashMap<>();
    final java.util.concurrent.ConcurrentHashMap<Integer, Integer> counts = new java.util.concurrent.ConcurrentHashMap<>();
    final Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final java.util.concurrent.CountDownLatch allAssigned = new java.util.concurrent.CountDownLatch(1);
    final long deadline = System.currentTimeMillis() + 90_000;
    List<Thread> threads = new ArrayList<>();
    final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < 3; i++) {
      final int id = i;
      parts.put(id, java.util.concurrent.ConcurrentHashMap.newKeySet());
      counts.put(id, 0);
      Thread t = new Thread(() -> {
        Properties p = consumerProps(bootstrap, group);
        p.put("partition.assignment.strategy", CooperativeStickyAssignor.class.getName());
        p.put("client.id", "java-compat-" + id);
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
          c.subscribe(Collections.singletonList(topic));
          // Every member keeps polling until all have read everything and the last assignment is
          // one where each member holds a partition: the group has settled with three members.
          while (System.currentTimeMillis() < deadline) {
            ConsumerRecords<String, String> recs = c.poll(Duration.ofMillis(200));
            for (ConsumerRecord<String, String> r : recs) {
              if (seen.add(r.partition() + "/" + r.offset())) total.incrementAndGet();
              counts.merge(id, 1, Integer::sum);
            }
            if (!recs.isEmpty()) c.commitSync();
            Set<Integer> mine = new TreeSet<>();
            for (TopicPartition tp : c.assignment()) mine.add(tp.partition());
            parts.put(id, mine);
            boolean settled = parts.values().stream().allMatch(s -> !s.isEmpty())
                && parts.values().stream().mapToInt(Set::size).sum() == c.partitionsFor(topic).size();
            if (total.get() >= count && settled) allAssigned.countDown();
            if (allAssigned.getCount() == 0) break;
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) t.join();
    if (!errors.isEmpty()) throw new RuntimeException(errors.get(0));
    StringJoiner j = new StringJoiner(",", "[", "]");
    for (int i = 0; i < 3; i++) {
      StringJoiner pj = new StringJoiner(",", "[", "]");
      for (int x : new TreeSet<>(parts.get(i))) pj.add(String.valueOf(x));
      j.add("{\"partitions\":" + pj + ",\"records\":" + counts.get(i) + "}");
    }
    try (Admin admin = Admin.create(base(bootstrap))) {
      Map<Integer, Long> committed = keyed(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get());
      System.out.println("{\"members\":" + j + ",\"distinct\":" + total.get() + ",\"settled\":" + (allAssigned.getCount() == 0)
          + ",\"committed\":" + map(new TreeMap<>(committed)) + "}");
    }
  }

  static void seekTime(String bootstrap, String topic, long ts) throws Exception {
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps(bootstrap, null))) {
      Map<TopicPartition, Long> query = new HashMap<>();
      for (PartitionInfo pi : c.partitionsFor(topic)) query.put(new TopicPartition(topic, pi.partition()), ts);
      Map<TopicPartition, OffsetAndTimestamp> found = c.offsetsForTimes(query);
      StringJoiner j = new StringJoiner(",", "{", "}");
      for (TopicPartition tp : new TreeSet<>(Comparator.comparingInt(TopicPartition::partition)) {{ addAll(query.keySet()); }}) {
        OffsetAndTimestamp o = found.get(tp);
        String first = "null";
        if (o != null) {
          c.assign(Collections.singletonList(tp));
          c.seek(tp, o.offset());
          long until = System.currentTimeMillis() + 30_000;
          while (System.currentTimeMillis() < until) {
            ConsumerRecords<String, String> recs = c.poll(Duration.ofMillis(200));
            if (!recs.isEmpty()) {
              ConsumerRecord<String, String> r = recs.iterator().next();
              first = "{\"offset\":" + r.offset() + ",\"timestamp\":" + r.timestamp() + ",\"key\":" + q(r.key()) + "}";
              break;
            }
          }
        }
        j.add(q(String.valueOf(tp.partition())) + ":" + (o == null ? "null" : "{\"offset\":" + o.offset() + ",\"timestamp\":" + o.timestamp() + ",\"first\":" + first + "}"));
      }
      System.out.println("{\"found\":" + j + "}");
    }
  }

  static void admin2(String bootstrap, String topic, String group) throws Exception {
    try (Admin admin = Admin.create(base(bootstrap))) {
      String grown = topic + "-grow";
      admin.createTopics(Collections.singletonList(new NewTopic(grown, 1, (short) 1).configs(Collections.singletonMap("retention.ms", "7200000")))).all().get();
      admin.createPartitions(Collections.singletonMap(grown, NewPartitions.increaseTo(4))).all().get();
      String shrink;
      try {
        admin.createPartitions(Collections.singletonMap(grown, NewPartitions.increaseTo(2))).all().get();
        shrink = "none";
      } catch (ExecutionException e) {
        shrink = e.getCause().getClass().getSimpleName();
      }
      int partitions = admin.describeTopics(Collections.singletonList(grown)).allTopicNames().get().get(grown).partitions().size();
      org.apache.kafka.common.config.ConfigResource res = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, grown);
      Config cfg = admin.describeConfigs(Collections.singletonList(res)).all().get().get(res);
      ConfigEntry retention = cfg.get("retention.ms");
      ConfigEntry cleanup = cfg.get("cleanup.policy");
      TopicPartition p0 = new TopicPartition(topic, 0);
      admin.alterConsumerGroupOffsets(group, Collections.singletonMap(p0, new OffsetAndMetadata(1L))).all().get();
      Map<Integer, Long> altered = keyed(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get());
      admin.deleteConsumerGroupOffsets(group, Collections.singleton(p0)).all().get();
      Map<Integer, Long> afterDelete = keyed(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get());
      DeletedRecords dr = admin.deleteRecords(Collections.singletonMap(p0, RecordsToDelete.beforeOffset(2L))).lowWatermarks().get(p0).get();
      long low = admin.listOffsets(Collections.singletonMap(p0, OffsetSpec.earliest())).all().get().get(p0).offset();
      DescribeClusterResult cluster = admin.describeCluster();
      Collection<Node> nodes = cluster.nodes().get();
      Node controller = cluster.controller().get();
      String clusterId = cluster.clusterId().get();
      admin.deleteTopics(Collections.singletonList(grown)).all().get();
      System.out.println("{\"partitions\":" + partitions + ",\"shrink\":" + q(shrink)
          + ",\"retention\":" + q(retention.value()) + ",\"retentionSource\":" + q(retention.source().name())
          + ",\"cleanup\":" + q(cleanup.value()) + ",\"cleanupSource\":" + q(cleanup.source().name())
          + ",\"altered\":" + map(new TreeMap<>(altered)) + ",\"afterDelete\":" + map(new TreeMap<>(afterDelete))
          + ",\"lowWatermark\":" + dr.lowWatermark() + ",\"earliest\":" + low
          + ",\"nodes\":" + nodes.size() + ",\"controller\":" + controller.id() + ",\"clusterId\":" + q(clusterId) + "}");
    }
  }

  /** One consumer of the `cgroup` mode: polls until told to stop or to close. */
  static final class Member implements Runnable {
    final int id;
    final String bootstrap, topic, group;
    final java.util.concurrent.atomic.AtomicBoolean close = new java.util.concurrent.atomic.AtomicBoolean();
    final java.util.concurrent.atomic.AtomicBoolean stop;
    final Set<String> seen;
    final java.util.concurrent.atomic.AtomicInteger reads, duplicates;
    volatile Set<Integer> partitions = Collections.emptySet();
    volatile Throwable error;
    volatile boolean closed;

    Member(int id, String bootstrap, String topic, String group, java.util.concurrent.atomic.AtomicBoolean stop, Set<String> seen,
        java.util.concurrent.atomic.AtomicInteger reads, java.util.concurrent.atomic.AtomicInteger duplicates) {
      this.id = id; this.bootstrap = bootstrap; this.topic = topic; this.group = group; this.stop = stop;
      this.seen = seen; this.reads = reads; this.duplicates = duplicates;
    }

    public void run() {
      Properties p = consumerProps(bootstrap, group);
      // The new protocol: the broker assigns (no partition.assignment.strategy, no session timeout).
      p.put("group.protocol", "consumer");
      p.put("client.id", "java-cg-" + id);
      try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
        c.subscribe(Collections.singletonList(topic));
        while (!stop.get() && !close.get()) {
          ConsumerRecords<String, String> recs = c.poll(Duration.ofMillis(200));
          for (ConsumerRecord<String, String> r : recs) {
            reads.incrementAndGet();
            if (!seen.add(r.partition() + "/" + r.offset())) duplicates.incrementAndGet();
          }
          if (!recs.isEmpty()) c.commitSync();
          Set<Integer> mine = new TreeSet<>();
          for (TopicPartition tp : c.assignment()) mine.add(tp.partition());
          partitions = Collections.unmodifiableSet(mine);
        }
      } catch (Throwable e) {
        error = e;
      } finally {
        partitions = Collections.emptySet();
        closed = true;
      }
    }
  }

  /** Every live member holds partitions, none twice, all `total` of them between them. */
  static boolean spread(List<Member> live, int total) {
    Set<Integer> all = new HashSet<>();
    int sum = 0;
    for (Member m : live) {
      if (m.error != null) throw new RuntimeException("member " + m.id, m.error);
      if (m.partitions.isEmpty()) return false;
      sum += m.partitions.size();
      all.addAll(m.partitions);
    }
    return sum == total && all.size() == total;
  }

  interface Check { boolean ok() throws Exception; }

  /** Waits (bounded) for a condition; returns whether it held. */
  static boolean await(long timeoutMs, Check check) throws Exception {
    long until = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < until) {
      if (check.ok()) return true;
      Thread.sleep(100);
    }
    return check.ok();
  }

  static void produceKeys(String bootstrap, String topic, String prefix, int count) throws Exception {
    Properties p = base(bootstrap);
    p.put("acks", "all");
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = 0; i < count; i++) sent.add(producer.send(new ProducerRecord<>(topic, prefix + "-" + i, "value " + i)));
      for (java.util.concurrent.Future<RecordMetadata> f : sent) f.get();
    }
  }

  /** The group as the AdminClient describes it, in one JSON object. */
  static String describeJson(ConsumerGroupDescription d) {
    StringJoiner members = new StringJoiner(",", "[", "]");
    List<MemberDescription> sorted = new ArrayList<>(d.members());
    sorted.sort(Comparator.comparing(MemberDescription::clientId));
    for (MemberDescription m : sorted) {
      members.add("{\"clientId\":" + q(m.clientId()) + ",\"consumerId\":" + q(m.consumerId())
          + ",\"assignment\":" + partitionsJson(m.assignment().topicPartitions())
          + ",\"target\":" + (m.targetAssignment().isPresent() ? partitionsJson(m.targetAssignment().get().topicPartitions()) : "null") + "}");
    }
    return "{\"type\":" + q(d.type().name()) + ",\"state\":" + q(d.state().name())
        + ",\"assignor\":" + q(d.partitionAssignor()) + ",\"members\":" + members + "}";
  }

  static String partitionsJson(Set<TopicPartition> tps) {
    StringJoiner j = new StringJoiner(",", "[", "]");
    for (TopicPartition tp : new TreeSet<>(Comparator.comparing(TopicPartition::toString)) {{ addAll(tps); }}) j.add(q(tp.toString()));
    return j.toString();
  }

  /** kafka-consumer-groups (the 4.x tools class), run as its own JVM: its main() exits. */
  static String groupsTool(String toolsClassPath, String bootstrap, String group, String... extra) throws Exception {
    List<String> cmd = new ArrayList<>(Arrays.asList(System.getProperty("java.home") + "/bin/java", "-Xmx128m",
        "-Dlog4j2.configurationFile=/dev/null", "-cp", toolsClassPath,
        "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", "--bootstrap-server", bootstrap, "--group", group));
    cmd.addAll(Arrays.asList(extra));
    Process proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(proc.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!proc.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
      proc.destroyForcibly();
      throw new RuntimeException("kafka-consumer-groups timed out");
    }
    return out;
  }

  static Map<Integer, Long> endOffsets(Admin admin, String topic, int partitions) throws Exception {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int i = 0; i < partitions; i++) latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
    Map<Integer, Long> ends = new TreeMap<>();
    admin.listOffsets(latest).all().get().forEach((tp, r) -> ends.put(tp.partition(), r.offset()));
    return ends;
  }

  static void consumerProtocol(String bootstrap, String topic, String group, int count, String toolsClassPath) throws Exception {
    final int partitions = 6;
    final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    final Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger duplicates = new java.util.concurrent.atomic.AtomicInteger();
    StringBuilder out = new StringBuilder("{");
    try (Admin admin = Admin.create(base(bootstrap))) {
      admin.createTopics(Collections.singletonList(new NewTopic(topic, partitions, (short) 1))).all().get();
      produceKeys(bootstrap, topic, "first", count);
      List<Member> members = new ArrayList<>();
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Member m = new Member(i, bootstrap, topic, group, stop, seen, reads, duplicates);
        members.add(m);
        Thread t = new Thread(m, "cg-" + i);
        threads.add(t);
        t.start();
      }
      try {
        // Phase 1: all three members hold partitions and everything was read.
        boolean settled = await(120_000, () -> seen.size() >= count && spread(members, partitions));
        StringJoiner held = new StringJoiner(",", "[", "]");
        for (Member m : members) held.add(list(new ArrayList<String>() {{ for (int x : m.partitions) add(String.valueOf(x)); }}));
        out.append("\"settled\":").append(settled).append(",\"held\":").append(held)
            .append(",\"firstReads\":").append(reads.get()).append(",\"firstDistinct\":").append(seen.size());
        // The broker's view: Stable once every member acknowledged its target assignment.
        final ConsumerGroupDescription[] last = new ConsumerGroupDescription[1];
        boolean stable = await(60_000, () -> {
          last[0] = admin.describeConsumerGroups(Collections.singletonList(group)).all().get().get(group);
          if (last[0].members().size() != 3 || last[0].state() != ConsumerGroupState.STABLE) return false;
          for (MemberDescription md : last[0].members()) {
            if (!md.targetAssignment().isPresent() || !md.targetAssignment().get().topicPartitions().equals(md.assignment().topicPartitions())) return false;
          }
          return true;
        });
        out.append(",\"stable\":").append(stable).append(",\"described\":").append(describeJson(last[0]));
        String listedType = "absent";
        for (ConsumerGroupListing l : admin.listConsumerGroups().all().get()) {
          if (l.groupId().equals(group)) listedType = l.type().isPresent() ? l.type().get().name() : "none";
        }
        out.append(",\"listedType\":").append(q(listedType));
        out.append(",\"toolDescribe\":").append(q(groupsTool(toolsClassPath, bootstrap, group, "--describe")));
        out.append(",\"toolMembers\":").append(q(groupsTool(toolsClassPath, bootstrap, group, "--describe", "--members")));
        out.append(",\"committedFirst\":").append(map(new TreeMap<>(keyed(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()))));
        // Phase 2: member 0 closes; the other two take over its partitions and read a second batch.
        members.get(0).close.set(true);
        threads.get(0).join(60_000);
        List<Member> rest = members.subList(1, 3);
        boolean handedOver = await(120_000, () -> members.get(0).closed && spread(rest, partitions));
        produceKeys(bootstrap, topic, "second", count);
        boolean secondRead = await(120_000, () -> seen.size() >= 2 * count);
        final Map<Integer, Long> ends = endOffsets(admin, topic, partitions);
        final Map<Integer, Long>[] committed = new Map[1];
        boolean committedAll = await(60_000, () -> {
          committed[0] = new TreeMap<>(keyed(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()));
          return committed[0].equals(ends);
        });
        boolean twoStable = await(60_000, () -> {
          last[0] = admin.describeConsumerGroups(Collections.singletonList(group)).all().get().get(group);
          return last[0].members().size() == 2 && last[0].state() == ConsumerGroupState.STABLE;
        });
        out.append(",\"handedOver\":").append(handedOver).append(",\"secondRead\":").append(secondRead)
            .append(",\"reads\":").append(reads.get()).append(",\"distinct\":").append(seen.size())
            .append(",\"duplicates\":").append(duplicates.get())
            .append(",\"ends\":").append(map(ends)).append(",\"committed\":").append(map(committed[0]))
            .append(",\"committedAll\":").append(committedAll)
            .append(",\"twoStable\":").append(twoStable).append(",\"after\":").append(describeJson(last[0]));
      } finally {
        stop.set(true);
        for (Thread t : threads) t.join(60_000);
      }
      for (Member m : members) if (m.error != null) throw new RuntimeException("member " + m.id, m.error);
    }
    System.out.println(out.append("}"));
  }

  static String list(Collection<String> items) {
    StringJoiner j = new StringJoiner(",", "[", "]");
    for (String s : items) j.add(q(s));
    return j.toString();
  }

  static String map(Map<Integer, Long> m) {
    StringJoiner j = new StringJoiner(",", "{", "}");
    for (Map.Entry<Integer, Long> e : m.entrySet()) j.add(q(String.valueOf(e.getKey())) + ":" + e.getValue());
    return j.toString();
  }

  static String q(String s) {
    if (s == null) return "null";
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
}
