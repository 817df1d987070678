/* Threads: per-thread last errors and parallel queries on one shared dataset.
 *
 * 1. 8 threads push into ONE dataset, alternating a good deal and a bad one (no created_on),
 *    2,500 of each per thread; right after each failed push the thread reads its last error.
 *    With one error slot per handle, another thread's success cleared it ("no error") or its
 *    failure replaced it; per-thread last errors must give every thread its own error, naming
 *    its own record, every time.
 * 2. 4 threads run the same query on one dataset at once (read access); every result must be
 *    the single-threaded one.
 * Also run under ThreadSanitizer by scripts/tsan.sh. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

#define THREADS 8
#define FAILS 2500
/* Under valgrind (which runs threads one at a time anyway) scripts/ci/c.sh sets
 * CKPI_TEST_QUICK=1: 500 failed pushes per thread, 5 queries per thread. */
static int fails = FAILS, query_runs = 20;

static ckpi_dataset *shared_ds;
static ckpi_query *shared_q;

typedef struct {
    int id;
    int no_error, wrong_error, bad_status;
} worker;

static void *push_worker(void *arg) {
    worker *w = arg;
    char id[64], want[80], got[256];
    for (int i = 0; i < fails; i++) {
        ckpi_deal d = deal_defaults();
        snprintf(id, sizeof id, "T%d-%d", w->id, i);
        d.id = str(id);
        d.created_on = day("2025-03-01");
        if (ckpi_dataset_add_deal(shared_ds, &d) != CKPI_OK) w->bad_status++;
        snprintf(id, sizeof id, "T%d-bad-%d", w->id, i);
        d.id = str(id);
        d.created_on = CKPI_DATE_NONE; /* required: CKPI_MISSING_VALUE */
        if (ckpi_dataset_add_deal(shared_ds, &d) != CKPI_MISSING_VALUE) w->bad_status++;
        size_t n = 0;
        ckpi_status s = ckpi_dataset_last_error(shared_ds, CKPI_ERROR_RECORD, got, sizeof got, &n);
        snprintf(want, sizeof want, "deal %s", id);
        if (s == CKPI_VALUE_ABSENT)
            w->no_error++;
        else if (s != CKPI_OK || strcmp(got, want) != 0)
            w->wrong_error++;
    }
    return NULL;
}

static void last_errors_are_per_thread(void) {
    CHECK_OK(ckpi_dataset_new(&shared_ds));
    pthread_t t[THREADS];
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){i, 0, 0, 0};
        CHECK(pthread_create(&t[i], NULL, push_worker, &w[i]) == 0);
    }
    int no_error = 0, wrong = 0, bad = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        no_error += w[i].no_error;
        wrong += w[i].wrong_error;
        bad += w[i].bad_status;
    }
    printf("%d failed pushes from %d threads: %d read \"no error\", %d read another error\n", THREADS * fails, THREADS, no_error,
           wrong);
    CHECK(no_error == 0);
    CHECK(wrong == 0);
    CHECK(bad == 0);
    /* The main thread made no failed call: it has no last error on the dataset. */
    char buf[64];
    size_t n = 0;
    CHECK_STATUS(ckpi_dataset_last_error(shared_ds, CKPI_ERROR_MESSAGE, buf, sizeof buf, &n), CKPI_VALUE_ABSENT);
    ckpi_dataset_free(shared_ds);
}

static void *query_worker(void *arg) {
    ckpi_result **out = arg;
    for (int i = 0; i < query_runs; i++) {
        ckpi_result *r = NULL;
        if (ckpi_dataset_run(shared_ds, shared_q, &r) != CKPI_OK) return NULL;
        ckpi_result_free(*out);
        *out = r;
    }
    return NULL;
}

static char *as_json(const ckpi_result *r) {
    size_t n = 0;
    if (!r || ckpi_result_to_json(r, NULL, 0, &n) != CKPI_OK) return NULL;
    char *s = malloc(n + 1);
    ckpi_result_to_json(r, s, n + 1, &n);
    return s;
}

static void queries_run_in_parallel(void) {
    CHECK_OK(ckpi_dataset_new(&shared_ds));
    char id[32];
    for (int i = 0; i < 2000; i++) {
        ckpi_deal d = deal_defaults();
        snprintf(id, sizeof id, "Q%d", i);
        d.id = str(id);
        d.status = i % 3 == 0 ? CKPI_DEAL_WON : CKPI_DEAL_LOST;
        d.created_on = day("2025-01-01") + i % 200;
        d.closed_on = d.created_on + 30;
        d.amount = str(i % 2 ? "100.50" : "7");
        d.currency = str("USD");
        d.partner_id = str(i % 4 ? "acme" : "beta");
        CHECK_OK(ckpi_dataset_add_deal(shared_ds, &d));
    }
    CHECK_OK(ckpi_query_new(&shared_q));
    CHECK_OK(ckpi_query_add_metric(shared_q, "won_revenue", 11));
    CHECK_OK(ckpi_query_add_metric(shared_q, "close_rate", 10));
    CHECK_OK(ckpi_query_add_group_by(shared_q, "partner", 7));
    CHECK_OK(ckpi_query_set_period(shared_q, "2025", 4));
    ckpi_result *alone = NULL;
    CHECK_OK(ckpi_dataset_run(shared_ds, shared_q, &alone));
    char *want = as_json(alone);
    pthread_t t[4];
    ckpi_result *got[4] = {NULL, NULL, NULL, NULL};
    for (int i = 0; i < 4; i++) CHECK(pthread_create(&t[i], NULL, query_worker, &got[i]) == 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        char *j = as_json(got[i]);
        CHECK(j && want && strcmp(j, want) == 0);
        free(j);
        ckpi_result_free(got[i]);
    }
    free(want);
    ckpi_result_free(alone);
    ckpi_query_free(shared_q);
    ckpi_dataset_free(shared_ds);
}

int main(void) {
    if (getenv("CKPI_TEST_QUICK")) fails = 500, query_runs = 5;
    last_errors_are_per_thread();
    queries_run_in_parallel();
    return check_summary();
}
