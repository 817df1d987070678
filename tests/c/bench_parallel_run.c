/* Measures parallel queries on ONE dataset (ckpi_dataset_run takes a read lock): the same
 * query run N times by 1 thread, then N times by each of 2 threads at once. Prints the
 * throughput of each and the ratio (2.0 = perfect scaling). A measurement, not a test: it
 * asserts nothing about time (scripts/ci/c.sh prints the figure).
 *
 *   bench_parallel_run [deals] [runs]      (default 15000 deals, 60 runs per thread)
 *
 * Keep deals under 2 x PART_MIN_RECORDS (65,536): above it one query already folds on every
 * core (Dataset::partial), so the figure would measure that, not concurrent queries.
 *
 * On a machine other jobs share, the figure says little (each process gets a slice of the
 * cores; "cores busy" shows how much). For the README's figure it ran in its own session with
 * CPU priority: `setsid sh -c 'echo -15 > /proc/self/autogroup; exec nice -n -15 ./bench_parallel_run'`
 * (root). */
#define _POSIX_C_SOURCE 199309L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"

static ckpi_dataset *ds;
static ckpi_query *q;
static int runs = 60;

static double clock_s(clockid_t id) {
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
static double now(void) { return clock_s(CLOCK_MONOTONIC); }
static double cpu(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }
static double cores_busy; /* CPU seconds / wall seconds of the last timed() */

static void *worker(void *arg) {
    int *failed = arg;
    for (int i = 0; i < runs; i++) {
        ckpi_result *r = NULL;
        if (ckpi_dataset_run(ds, q, &r) != CKPI_OK) (*failed)++;
        ckpi_result_free(r);
    }
    return NULL;
}

/* Wall time of `threads` threads each running the query `runs` times. */
static double timed(int threads) {
    pthread_t t[8];
    int failed[8] = {0};
    double t0 = now(), c0 = cpu();
    for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, worker, &failed[i]);
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    double dt = now() - t0;
    cores_busy = (cpu() - c0) / dt;
    for (int i = 0; i < threads; i++) CHECK(failed[i] == 0);
    return dt;
}

static const char *loadavg(void) {
    static char buf[64] = "?\n";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (!fgets(buf, sizeof buf, f)) strcpy(buf, "?\n");
        fclose(f);
    }
    return buf;
}

int main(int argc, char **argv) {
    int deals = argc > 1 ? atoi(argv[1]) : 15000;
    if (argc > 2) runs = atoi(argv[2]);
    CHECK_OK(ckpi_dataset_new(&ds));
    char id[32], partner[16];
    for (int i = 0; i < deals; i++) {
        ckpi_deal d = deal_defaults();
        snprintf(id, sizeof id, "D%d", i);
        snprintf(partner, sizeof partner, "P%d", i % 50);
        d.id = str(id);
        d.status = i % 3 == 0 ? CKPI_DEAL_WON : i % 3 == 1 ? CKPI_DEAL_LOST : CKPI_DEAL_OPEN;
        d.created_on = day("2025-01-01") + i % 300;
        if (d.status != CKPI_DEAL_OPEN) d.closed_on = d.created_on + 20;
        d.amount = str("1250.75");
        d.currency = str("USD");
        d.partner_id = str(partner);
        CHECK_OK(ckpi_dataset_add_deal(ds, &d));
    }
    CHECK_OK(ckpi_query_new(&q));
    const char *metrics[] = {"won_revenue", "close_rate", "avg_deal_size", "median_deal_size", "deal_count"};
    for (int i = 0; i < 5; i++) CHECK_OK(ckpi_query_add_metric(q, metrics[i], strlen(metrics[i])));
    CHECK_OK(ckpi_query_add_group_by(q, "partner", 7));
    CHECK_OK(ckpi_query_set_period(q, "2025", 4));
    CHECK_OK(ckpi_query_set_buckets(q, "month", 5));
    timed(1); /* validates once, warms caches */
    double one = timed(1), busy1 = cores_busy, two = timed(2), busy2 = cores_busy;
    double q1 = runs / one, q2 = 2 * runs / two;
    /* cores busy = process CPU time / wall time: about 2 when both threads really run at once
     * (a lock serializing them would keep it near 1), whatever else loads the machine. */
    printf("parallel ckpi_dataset_run on one dataset (%d deals, %d runs per thread): 1 thread %.2f queries/s "
           "(%.2f cores busy), 2 threads %.2f queries/s (%.2f cores busy): %.2fx; load average %s",
           deals, runs, q1, busy1, q2, busy2, q2 / q1, loadavg());
    ckpi_query_free(q);
    ckpi_dataset_free(ds);
    return check_summary();
}
