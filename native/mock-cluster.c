/*
 * mock-cluster: run librdkafka's mock Kafka cluster (rdkafka_mock.h) as a child process
 * that the conformance runner (src/oracle/conform/) drives over stdin/stdout.
 *
 *   mock-cluster [BROKERS]            BROKERS defaults to 1; broker ids are 1..BROKERS
 *
 * On start it prints one line `BOOTSTRAP host:port[,host:port...]` (the mock's brokers
 * listen on 127.0.0.1, ephemeral ports), then reads one command per line and answers each
 * with exactly one line, `OK` or `ERR <reason>`, so the caller can wait for a fault to be
 * in place before it goes on:
 *
 *   create-topic TOPIC PARTITIONS RF
 *   request-errors APIKEY N ERRCODE          next N requests of APIKEY (any broker) fail
 *                                            with ERRCODE; the mock does NOT apply them
 *                                            (e.g. a failed Produce appends nothing)
 *   broker-rtts BROKER APIKEY N ERRCODE RTT_MS
 *                                            next N requests of APIKEY on BROKER answer
 *                                            ERRCODE (0: handled normally) after RTT_MS;
 *                                            with ERRCODE 0 a Produce IS appended, and the
 *                                            client only sees the answer late: this is how
 *                                            a request timeout after the append is staged
 *   stack-count BROKER APIKEY                answers `OK <n>`: how many pushed errors/RTTs
 *                                            are still waiting on BROKER for APIKEY
 *   clear-errors APIKEY                      (cluster-wide stack only; 2.0.2 has no way to
 *                                            clear a broker's stack)
 *   broker-down BROKER / broker-up BROKER    close/refuse connections (no leader change)
 *   broker-rtt BROKER RTT_MS                 delay every response from BROKER
 *   leader TOPIC PARTITION BROKER            move a partition's leader
 *   bootstrap                                print the BOOTSTRAP line again (then OK)
 *   quit                                     (or EOF on stdin) destroy the cluster, exit 0
 *
 * Error codes are Kafka protocol codes (7 REQUEST_TIMED_OUT, 19 NOT_ENOUGH_REPLICAS, ...).
 * API keys are Kafka's (0 Produce, 1 Fetch, 8 OffsetCommit, ...).
 *
 * The process also exits when its parent dies (PR_SET_PDEATHSIG) or its stdin closes, so
 * a crashed test run leaves no broker behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static void reply(rd_kafka_resp_err_t err) {
        if (err)
                printf("ERR %s\n", rd_kafka_err2name(err));
        else
                printf("OK\n");
        fflush(stdout);
}

static void fail(const char *why) {
        printf("ERR %s\n", why);
        fflush(stdout);
}

/* Parses a decimal integer; returns 0 on success. */
static int parse_long(const char *s, long *out) {
        char *end;
        if (!s)
                return -1;
        errno = 0;
        *out  = strtol(s, &end, 10);
        return (errno || *end || end == s) ? -1 : 0;
}

/* Splits line into at most max whitespace-separated words; returns the count. */
static int split(char *line, char **words, int max) {
        int n = 0;
        char *save = NULL;
        for (char *w = strtok_r(line, " \t\r\n", &save); w && n < max;
             w = strtok_r(NULL, " \t\r\n", &save))
                words[n++] = w;
        return n;
}

/* Parses words[from..from+count-1] as integers into out; returns 0 on success. */
static int ints(char **words, int nwords, int from, int count, long *out) {
        if (nwords != from + count)
                return -1;
        for (int i = 0; i < count; i++)
                if (parse_long(words[from + i], &out[i]))
                        return -1;
        return 0;
}

static void run_command(rd_kafka_mock_cluster_t *mc, char *line) {
        char *w[8];
        long a[5];
        int n = split(line, w, 8);
        if (n == 0)
                return; /* blank line: no answer */
        const char *cmd = w[0];

        if (!strcmp(cmd, "create-topic") && n == 4 && !ints(w, n, 2, 2, a)) {
                reply(rd_kafka_mock_topic_create(mc, w[1], (int)a[0], (int)a[1]));
        } else if (!strcmp(cmd, "request-errors") && !ints(w, n, 1, 3, a)) {
                if (a[1] <= 0) {
                        fail("count must be positive");
                        return;
                }
                rd_kafka_resp_err_t *errs = calloc((size_t)a[1], sizeof(*errs));
                for (long i = 0; i < a[1]; i++)
                        errs[i] = (rd_kafka_resp_err_t)a[2];
                rd_kafka_mock_push_request_errors_array(mc, (int16_t)a[0], (size_t)a[1], errs);
                free(errs);
                reply(RD_KAFKA_RESP_ERR_NO_ERROR);
        } else if (!strcmp(cmd, "broker-rtts") && !ints(w, n, 1, 5, a)) {
                /* The va-arg API takes a fixed list, so push one (err, rtt) tuple at a time:
                 * each push appends to the broker's stack for that ApiKey. */
                rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
                for (long i = 0; i < a[2] && !err; i++)
                        err = rd_kafka_mock_broker_push_request_error_rtts(
                            mc, (int32_t)a[0], (int16_t)a[1], 1, (rd_kafka_resp_err_t)a[3],
                            (int)a[4]);
                reply(err);
        } else if (!strcmp(cmd, "stack-count") && !ints(w, n, 1, 2, a)) {
                size_t cnt = 0;
                rd_kafka_resp_err_t err = rd_kafka_mock_broker_error_stack_cnt(
                    mc, (int32_t)a[0], (int16_t)a[1], &cnt);
                if (err)
                        reply(err);
                else {
                        printf("OK %zu\n", cnt);
                        fflush(stdout);
                }
        } else if (!strcmp(cmd, "clear-errors") && !ints(w, n, 1, 1, a)) {
                rd_kafka_mock_clear_request_errors(mc, (int16_t)a[0]);
                reply(RD_KAFKA_RESP_ERR_NO_ERROR);
        } else if (!strcmp(cmd, "broker-down") && !ints(w, n, 1, 1, a)) {
                reply(rd_kafka_mock_broker_set_down(mc, (int32_t)a[0]));
        } else if (!strcmp(cmd, "broker-up") && !ints(w, n, 1, 1, a)) {
                reply(rd_kafka_mock_broker_set_up(mc, (int32_t)a[0]));
        } else if (!strcmp(cmd, "broker-rtt") && !ints(w, n, 1, 2, a)) {
                reply(rd_kafka_mock_broker_set_rtt(mc, (int32_t)a[0], (int)a[1]));
        } else if (!strcmp(cmd, "leader") && n == 4 && !ints(w, n, 2, 2, a)) {
                reply(rd_kafka_mock_partition_set_leader(mc, w[1], (int32_t)a[0], (int32_t)a[1]));
        } else if (!strcmp(cmd, "bootstrap") && n == 1) {
                printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mc));
                reply(RD_KAFKA_RESP_ERR_NO_ERROR);
        } else {
                fail("unknown command or bad arguments");
        }
}

int main(int argc, char **argv) {
        long brokers = 1;
        char errstr[512];

        /* Die with the parent: the runner must never leave a broker behind. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);

        if (argc > 2 || (argc == 2 && (parse_long(argv[1], &brokers) || brokers < 1 ||
                                       brokers > 16))) {
                fprintf(stderr, "usage: %s [BROKERS (1..16)]\n", argv[0]);
                return 2;
        }

        /* The mock needs an rd_kafka_t for its internal book-keeping only: it never
         * connects anywhere. Keep librdkafka's own logging quiet. */
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr)) ||
            rd_kafka_conf_set(conf, "client.id", "kafka-model-mock", errstr,
                              sizeof(errstr))) {
                fprintf(stderr, "mock-cluster: %s\n", errstr);
                return 1;
        }
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "mock-cluster: rd_kafka_new: %s\n", errstr);
                return 1;
        }
        rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, (int)brokers);
        if (!mc) {
                fprintf(stderr, "mock-cluster: could not create the mock cluster\n");
                rd_kafka_destroy(rk);
                return 1;
        }

        printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mc));
        fflush(stdout);

        char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, stdin) != -1) {
                if (!strncmp(line, "quit", 4))
                        break;
                run_command(mc, line);
        }
        free(line);

        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        return 0;
}
