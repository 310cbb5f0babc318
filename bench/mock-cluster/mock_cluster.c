/*
 * Reference peer for the broker benchmark: librdkafka's built-in mock cluster, run as its own
 * process so it is started, measured and stopped exactly like the embedded broker CLI.
 *
 *   mock_cluster <partitions> <topic>...     (default: 3 bench)
 *
 * Prints one line "bootstrap=<host:port,...>" on stdout once the topics exist, then serves until
 * stdin reaches EOF (the parent went away) or SIGINT/SIGTERM arrives. One broker, so the
 * comparison with the single-node embedded broker is like for like.
 *
 * Build: cc -O2 -o mock_cluster mock_cluster.c -lrdkafka
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

int main(int argc, char **argv) {
  int partitions = argc > 1 ? atoi(argv[1]) : 3;
  char errstr[512];

  if (partitions < 1) {
    fprintf(stderr, "partitions must be >= 1\n");
    return 2;
  }

  /* The mock cluster lives inside a client instance; this one never sends anything itself. */
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "conf: %s\n", errstr);
    return 1;
  }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", errstr);
    return 1;
  }

  rd_kafka_mock_cluster_t *mcluster = rd_kafka_mock_cluster_new(rk, 1);
  if (!mcluster) {
    fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
    rd_kafka_destroy(rk);
    return 1;
  }

  int ntopics = argc > 2 ? argc - 2 : 1;
  for (int i = 0; i < ntopics; i++) {
    const char *topic = argc > 2 ? argv[2 + i] : "bench";
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mcluster, topic, partitions, 1);
    if (err) {
      fprintf(stderr, "rd_kafka_mock_topic_create(%s): %s\n", topic, rd_kafka_err2str(err));
      rd_kafka_mock_cluster_destroy(mcluster);
      rd_kafka_destroy(rk);
      return 1;
    }
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  /* A vanished parent closes our stdout pipe; that must end us through stdin EOF, not SIGPIPE. */
  signal(SIGPIPE, SIG_IGN);

  printf("bootstrap=%s\n", rd_kafka_mock_cluster_bootstraps(mcluster));
  fflush(stdout);

  /* The cluster runs on librdkafka's own threads; the main thread only waits for the end. */
  struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
  char buf[256];
  while (!stop_requested) {
    int n = poll(&pfd, 1, 200);
    if (n < 0 && errno != EINTR) break;
    if (n > 0) {
      ssize_t r = read(STDIN_FILENO, buf, sizeof buf);
      if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) break;
    }
  }

  rd_kafka_mock_cluster_destroy(mcluster);
  rd_kafka_destroy(rk);
  return 0;
}
