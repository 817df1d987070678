/* The C API timed as a C user calls it (issues 12 item 4d, 13 item 6): loads a directory of
 * CRM export files with ckpi_dataset_load_dir (through a mapping when given), then runs one
 * query with ckpi_dataset_run; prints its own timings and the result as CSV, which
 * benches/bench_ingest.py and benches/bench_public.py check equal to polars' and duckdb's
 * before quoting any time.
 *
 *   bench_c DIR QUERY_JSON [--mapping FILE] [--repeat N] [--files 1]
 *
 * With --files 1 the query runs on the files without a dataset (ckpi_query_run_files: folded as
 * they are read); the first line is then "# files_s=T loadavg=A".
 * DIR holds deals.csv, deals.jsonl or deals.parquet (one of them: the loader reads every
 * export file it finds). QUERY_JSON is the query in the core's JSON form, e.g.
 * '{"metrics": ["deal_count"], "period": "2025", "group_by": ["partner"]}'.
 *
 * Output, stdout: one line
 *   # load_s=L first_run_s=F best_run_s=B runs=N loadavg=A
 * then the result of the first run as CSV (ckpi_result_to_csv). load_s is the load alone;
 * first_run_s the first ckpi_dataset_run (it validates the dataset: unique ids, references);
 * best_run_s the fastest of N more runs on the loaded, validated dataset (0 runs: "-").
 * On failure: the status and the library's last error on stderr, exit 1.
 *
 * Build: benches/bench_c_run.py builds it with gcc against target/release/libchannel_kpi_c.so
 * when missing or older (bench_ingest.py and bench_public.py call it); against an installed
 * library (scripts/install-c.sh PREFIX, as scripts/ci/c.sh does):
 *   gcc -std=c11 -O2 benches/c/bench_c.c $(pkg-config --cflags --libs channel-kpi) -o bench_c
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "channel_kpi.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Prints what failed with the library's words, and exits. */
static void fail(const char *what, ckpi_status s, const ckpi_dataset *ds, const ckpi_query *q) {
    char msg[1024] = "";
    size_t n = 0;
    if (ds) ckpi_dataset_last_error(ds, CKPI_ERROR_MESSAGE, msg, sizeof msg, &n);
    if (!msg[0] && q) ckpi_query_last_error(q, CKPI_ERROR_MESSAGE, msg, sizeof msg, &n);
    if (!msg[0]) ckpi_status_message(s, msg, sizeof msg, &n);
    fprintf(stderr, "bench_c: %s failed (status %u): %s\n", what, (unsigned)s, msg);
    exit(1);
}

/* The whole of `path` as a NUL-terminated string (caller frees), its length in *len. */
static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    if (!text || size < 0 || fread(text, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "bench_c: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    text[size] = '\0';
    *len = (size_t)size;
    return text;
}

/* The result as CSV on stdout. */
static void print_csv(const ckpi_result *r) {
    size_t need = 0;
    ckpi_status s = ckpi_result_to_csv(r, NULL, 0, &need);
    if (s != CKPI_OK && s != CKPI_BUFFER_TOO_SMALL) fail("ckpi_result_to_csv", s, NULL, NULL);
    char *csv = malloc(need + 1);
    if (!csv) {
        fprintf(stderr, "bench_c: out of memory\n");
        exit(1);
    }
    if ((s = ckpi_result_to_csv(r, csv, need + 1, &need)) != CKPI_OK) fail("ckpi_result_to_csv", s, NULL, NULL);
    fputs(csv, stdout);
    free(csv);
}

static const char *loadavg(void) {
    static char buf[64] = "?";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%63s", buf) != 1) strcpy(buf, "?");
        fclose(f);
    }
    return buf;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench_c DIR QUERY_JSON [--mapping FILE] [--repeat N] [--files 1]\n");
        return 2;
    }
    const char *dir = argv[1], *query_json = argv[2], *mapping_path = NULL;
    int repeat = 0, files = 0;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--mapping") == 0) {
            mapping_path = argv[i + 1];
        } else if (strcmp(argv[i], "--repeat") == 0) {
            repeat = atoi(argv[i + 1]);
        } else if (strcmp(argv[i], "--files") == 0) {
            files = atoi(argv[i + 1]);
        } else {
            fprintf(stderr, "bench_c: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if ((argc - 3) % 2 != 0) {
        fprintf(stderr, "bench_c: option %s needs a value\n", argv[argc - 1]);
        return 2;
    }
    size_t mapping_len = 0;
    char *mapping = mapping_path ? read_file(mapping_path, &mapping_len) : NULL;

    ckpi_status s;
    ckpi_query *q = NULL;
    if ((s = ckpi_query_new(&q)) != CKPI_OK) fail("ckpi_query_new", s, NULL, NULL);
    if ((s = ckpi_query_from_json(q, query_json, strlen(query_json))) != CKPI_OK) fail("ckpi_query_from_json", s, NULL, q);
    ckpi_dataset *ds = NULL;
    if ((s = ckpi_dataset_new(&ds)) != CKPI_OK) fail("ckpi_dataset_new", s, NULL, NULL);
    ckpi_load_options opts;
    if ((s = ckpi_load_options_init(&opts, sizeof opts)) != CKPI_OK) fail("ckpi_load_options_init", s, NULL, NULL);

    double t0 = now();
    if (files) {
        ckpi_result *r = NULL;
        if ((s = ckpi_query_run_files(q, dir, strlen(dir), mapping, mapping_len, &opts, &r)) != CKPI_OK) fail("ckpi_query_run_files", s, NULL, q);
        printf("# files_s=%.6f loadavg=%s\n", now() - t0, loadavg());
        print_csv(r);
        free(mapping);
        ckpi_result_free(r);
        ckpi_query_free(q);
        ckpi_dataset_free(ds);
        return 0;
    }
    s = ckpi_dataset_load_dir(ds, dir, strlen(dir), mapping, mapping_len, &opts);
    double load_s = now() - t0;
    if (s != CKPI_OK) fail("ckpi_dataset_load_dir", s, ds, NULL);

    ckpi_result *r = NULL;
    t0 = now();
    s = ckpi_dataset_run(ds, q, &r);
    double first_s = now() - t0;
    if (s != CKPI_OK) fail("ckpi_dataset_run", s, ds, NULL);

    double best_s = -1;
    for (int i = 0; i < repeat; i++) {
        ckpi_result *again = NULL;
        t0 = now();
        s = ckpi_dataset_run(ds, q, &again);
        double dt = now() - t0;
        if (s != CKPI_OK) fail("ckpi_dataset_run", s, ds, NULL);
        ckpi_result_free(again);
        if (best_s < 0 || dt < best_s) best_s = dt;
    }

    printf("# load_s=%.6f first_run_s=%.6f best_run_s=", load_s, first_s);
    if (best_s < 0)
        printf("-");
    else
        printf("%.6f", best_s);
    printf(" runs=%d loadavg=%s\n", repeat, loadavg());
    print_csv(r);

    free(mapping);
    ckpi_result_free(r);
    ckpi_query_free(q);
    ckpi_dataset_free(ds);
    return 0;
}
