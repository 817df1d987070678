/* Loading CRM export files from a directory (ckpi_dataset_load_csv_dir): the canonical format,
 * a mapping, a bad row named by file / line / column / value, a missing directory; extra columns
 * narrowed by ckpi_load_options.only_attrs; a query on the files without a dataset
 * (ckpi_query_run_files), equal to loading then running; a Parquet export grouped by an attr. */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"

static char dir[64];
static char buf[512];
static size_t n;

static void write_file(const char *name, const char *text) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static void remove_file(const char *name) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

static ckpi_result *run_avg(ckpi_dataset *ds) {
    ckpi_query *q = NULL;
    ckpi_result *r = NULL;
    const char *query = "{\"metrics\": [\"avg_deal_size\", \"deal_count\"], \"period\": \"2025-06-16..2025-07-01\"}";
    CHECK_OK(ckpi_query_new(&q));
    CHECK_OK(ckpi_query_from_json(q, query, strlen(query)));
    CHECK_OK(ckpi_dataset_run(ds, q, &r));
    ckpi_query_free(q);
    return r;
}

/* The article's deals as a canonical deals.csv: (200 + 400) / 2 = 300; C (won 06-15) is
 * outside [06-16, 07-01). */
static void canonical(void) {
    write_file("deals.csv",
               "deal_id,created_on,closed_on,status,amount,currency\n"
               "A,2025-05-01,2025-06-20,won,200,USD\n"
               "B,2025-05-01,2025-06-29,won,400,USD\n"
               "C,2025-05-01,2025-06-15,won,10000,USD\n");
    ckpi_dataset *ds = NULL;
    CHECK_OK(ckpi_dataset_new(&ds));
    CHECK_OK(ckpi_dataset_load_csv_dir(ds, dir, strlen(dir), NULL, 0));
    ckpi_result *r = run_avg(ds);
    CHECK(r && strcmp(dec(r, 0, "avg_deal_size"), "300") == 0);
    CHECK(r && int_at(r, 0, "won_count") == 2);
    ckpi_result_free(r);
    /* Loading again would add the same ids twice: refused as a whole, naming the first
     * duplicate; the dataset is unchanged and still runs. */
    CHECK_STATUS(ckpi_dataset_load_csv_dir(ds, dir, strlen(dir), NULL, 0), CKPI_REFERENCE_ERROR);
    char rec[64];
    size_t rn = 0;
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_RECORD, rec, sizeof rec, &rn));
    CHECK(strncmp(rec, "deal ", 5) == 0);
    CHECK_OK(ckpi_dataset_validate(ds));
    r = run_avg(ds);
    CHECK(r && int_at(r, 0, "won_count") == 2);
    ckpi_result_free(r);
    ckpi_dataset_free(ds);
}

/* A vendor export with its own column names and status words, read through a mapping. */
static void mapped(void) {
    write_file("deals.csv",
               "Opportunity,Opened,Closed,Stage,Value,Cur\n"
               "A,01/05/2025,20/06/2025,Closed Won,200,USD\n"
               "B,01/05/2025,29/06/2025,Closed Won,400,USD\n");
    const char *mapping = "{\"date_formats\": [\"%d/%m/%Y\"], \"deals\": {\"columns\": {\"deal_id\": \"Opportunity\","
                          " \"created_on\": \"Opened\", \"closed_on\": \"Closed\", \"status\": \"Stage\", \"amount\": \"Value\","
                          " \"currency\": \"Cur\"}, \"values\": {\"status\": {\"Closed Won\": \"won\"}}}}";
    ckpi_dataset *ds = NULL;
    CHECK_OK(ckpi_dataset_new(&ds));
    ckpi_status s = ckpi_dataset_load_csv_dir(ds, dir, strlen(dir), mapping, strlen(mapping));
    CHECK_OK(s);
    if (s != CKPI_OK && ckpi_dataset_last_error(ds, CKPI_ERROR_MESSAGE, buf, sizeof buf, &n) == CKPI_OK)
        fprintf(stderr, "mapped load: %s\n", buf);
    if (s == CKPI_OK) {
        ckpi_result *r = run_avg(ds);
        CHECK(r && strcmp(dec(r, 0, "avg_deal_size"), "300") == 0);
        ckpi_result_free(r);
    }
    CHECK_STATUS(ckpi_dataset_load_csv_dir(ds, dir, strlen(dir), "{\"nonsense\": 1}", 15), CKPI_PARSE_ERROR);
    ckpi_dataset_free(ds);
}

static void bad_rows(void) {
    write_file("deals.csv",
               "deal_id,created_on,closed_on,status,amount,currency\n"
               "A,2025-05-01,2025-06-20,won,200,USD\n"
               "B,2025-05-01,2025-06-29,won,four hundred,USD\n");
    ckpi_dataset *ds = NULL;
    CHECK_OK(ckpi_dataset_new(&ds));
    CHECK_STATUS(ckpi_dataset_load_csv_dir(ds, dir, strlen(dir), NULL, 0), CKPI_PARSE_ERROR);
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_LINE, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "3") == 0);
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_FIELD, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "amount") == 0);
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_VALUE, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "four hundred") == 0);
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_FILE, buf, sizeof buf, &n));
    CHECK(strstr(buf, "deals.csv") != NULL);
    /* Nothing was loaded. */
    CHECK_OK(ckpi_dataset_to_json(ds, buf, sizeof buf, &n));
    CHECK(strstr(buf, "\"deals\":[]") != NULL);
    CHECK_STATUS(ckpi_dataset_load_csv_dir(ds, "/nonexistent/ckpi", 17, NULL, 0), CKPI_IO_ERROR);
    CHECK_STATUS(ckpi_dataset_load_csv_dir(ds, "\xff", 1, NULL, 0), CKPI_INVALID_UTF8);
    CHECK_STATUS(ckpi_dataset_load_csv_dir(ds, NULL, 0, NULL, 0), CKPI_NULL_ARGUMENT);
    ckpi_dataset_free(ds);
}

/* The dataset's JSON form (into a static buffer). */
static const char *json_of(const ckpi_dataset *ds) {
    static char big[8192];
    size_t len = 0;
    if (ckpi_dataset_to_json(ds, big, sizeof big, &len) != CKPI_OK) big[0] = 0;
    return big;
}

static const char *EXPORT = "deal_id,created_on,closed_on,status,amount,currency,Region,Segment,Notes\n"
                            "A,2025-05-01,2025-06-20,won,200,USD,EU,smb,called twice\n"
                            "B,2025-05-01,2025-06-29,won,400,USD,US,ent,\n";
static const char *ALL_ATTRS = "{\"deals\": {\"attrs\": \"all\"}}";

/* A mapping keeping every extra column as an attribute: only_attrs keeps just the named ones. */
static void only_attrs(void) {
    write_file("deals.csv", EXPORT);
    ckpi_dataset *ds = NULL;
    CHECK_OK(ckpi_dataset_new(&ds));
    CHECK_OK(ckpi_dataset_load_dir(ds, dir, strlen(dir), ALL_ATTRS, strlen(ALL_ATTRS), NULL));
    CHECK(strstr(json_of(ds), "Segment") && strstr(json_of(ds), "called twice"));
    ckpi_dataset_free(ds);
    ckpi_str keep[] = {{"Region", 6}};
    ckpi_load_options o = load_options_defaults();
    o.only_attrs = keep;
    o.only_attrs_count = 1;
    CHECK_OK(ckpi_dataset_new(&ds));
    CHECK_OK(ckpi_dataset_load_dir(ds, dir, strlen(dir), ALL_ATTRS, strlen(ALL_ATTRS), &o));
    CHECK(strstr(json_of(ds), "\"Region\":\"EU\"") && !strstr(json_of(ds), "Segment") && !strstr(json_of(ds), "called twice"));
    ckpi_dataset_free(ds);
    o.only_attrs_count = 0; /* non-NULL, none named: no extra column kept */
    CHECK_OK(ckpi_dataset_new(&ds));
    CHECK_OK(ckpi_dataset_load_dir(ds, dir, strlen(dir), ALL_ATTRS, strlen(ALL_ATTRS), &o));
    CHECK(!strstr(json_of(ds), "Region") && !strstr(json_of(ds), "Segment"));
    ckpi_str bad[] = {{"", 0}, {"\xff", 1}};
    o.only_attrs = bad;
    o.only_attrs_count = 1;
    CHECK_STATUS(ckpi_dataset_load_dir(ds, dir, strlen(dir), ALL_ATTRS, strlen(ALL_ATTRS), &o), CKPI_INVALID_ARGUMENT);
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_FIELD, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "only_attrs") == 0);
    o.only_attrs = bad + 1;
    CHECK_STATUS(ckpi_dataset_load_dir(ds, dir, strlen(dir), ALL_ATTRS, strlen(ALL_ATTRS), &o), CKPI_INVALID_UTF8);
    ckpi_dataset_free(ds);
}

/* The result's JSON (allocated). */
static char *result_json(const ckpi_result *r) {
    size_t len = 0;
    if (!r || ckpi_result_to_json(r, NULL, 0, &len) != CKPI_OK) return NULL;
    char *out = malloc(len + 1);
    if (ckpi_result_to_json(r, out, len + 1, &len) != CKPI_OK) out[0] = 0;
    return out;
}

/* A query on the files, without a dataset: the result of loading then running; a bad row named
 * as a load names it, in the query's last error. */
static void query_files(void) {
    write_file("deals.csv", EXPORT);
    const char *query = "{\"metrics\": [\"avg_deal_size\", \"deal_count\"], \"period\": \"2025\", \"group_by\": [\"attr:Region\"]}";
    ckpi_query *q = NULL;
    ckpi_result *streamed = NULL, *loaded = NULL;
    ckpi_dataset *ds = NULL;
    CHECK_OK(ckpi_query_new(&q));
    CHECK_OK(ckpi_query_from_json(q, query, strlen(query)));
    CHECK_OK(ckpi_query_run_files(q, dir, strlen(dir), ALL_ATTRS, strlen(ALL_ATTRS), NULL, &streamed));
    CHECK(streamed && strcmp(dec(streamed, 0, "avg_deal_size"), "200") == 0);
    CHECK_OK(ckpi_dataset_new(&ds));
    CHECK_OK(ckpi_dataset_load_dir(ds, dir, strlen(dir), ALL_ATTRS, strlen(ALL_ATTRS), NULL));
    CHECK_OK(ckpi_dataset_run(ds, q, &loaded));
    char *a = result_json(streamed), *b = result_json(loaded);
    CHECK(a && b && strcmp(a, b) == 0 && strstr(a, "\"EU\"") && strstr(a, "\"US\""));
    free(a);
    free(b);
    ckpi_result_free(streamed);
    ckpi_result_free(loaded);
    ckpi_dataset_free(ds);
    /* One file named directly; then a bad row. */
    char file[128];
    snprintf(file, sizeof file, "%s/deals.csv", dir);
    streamed = NULL;
    CHECK_OK(ckpi_query_run_files(q, file, strlen(file), ALL_ATTRS, strlen(ALL_ATTRS), NULL, &streamed));
    ckpi_result_free(streamed);
    write_file("deals.csv", "deal_id,created_on,closed_on,status,amount,currency\n"
                            "A,2025-05-01,2025-06-20,won,200,USD\n"
                            "B,2025-05-01,2025-06-29,won,four hundred,USD\n");
    streamed = NULL;
    const char *plain = "{\"metrics\": [\"deal_count\"], \"period\": \"2025\"}";
    CHECK_OK(ckpi_query_from_json(q, plain, strlen(plain)));
    CHECK_STATUS(ckpi_query_run_files(q, dir, strlen(dir), NULL, 0, NULL, &streamed), CKPI_PARSE_ERROR);
    CHECK(streamed == NULL);
    CHECK_OK(ckpi_query_last_error(q, CKPI_ERROR_LINE, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "3") == 0);
    CHECK_OK(ckpi_query_last_error(q, CKPI_ERROR_VALUE, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "four hundred") == 0);
    ckpi_load_options o = load_options_defaults();
    o.collect_errors = 1;
    CHECK_STATUS(ckpi_query_run_files(q, dir, strlen(dir), NULL, 0, &o, &streamed), CKPI_MANY_ERRORS);
    CHECK_STATUS(ckpi_query_run_files(q, "/nonexistent/ckpi", 17, NULL, 0, NULL, &streamed), CKPI_IO_ERROR);
    CHECK_STATUS(ckpi_query_run_files(q, "\xff", 1, NULL, 0, NULL, &streamed), CKPI_INVALID_UTF8);
    CHECK_OK(ckpi_query_last_error(q, CKPI_ERROR_FIELD, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "path") == 0);
    CHECK_STATUS(ckpi_query_run_files(q, dir, strlen(dir), NULL, 0, NULL, NULL), CKPI_NULL_ARGUMENT);
    CHECK_STATUS(ckpi_query_run_files(NULL, dir, strlen(dir), NULL, 0, NULL, &streamed), CKPI_NULL_ARGUMENT);
    ckpi_query_free(q);
}

/* `q` run on the files of `fixture` (through `mapping`, or none) gives `loaded`, the result of the
 * same query on the loaded dataset; frees `loaded`. */
static void same_on_files(const ckpi_query *q, const char *fixture, const char *mapping, ckpi_result *loaded) {
    ckpi_result *streamed = NULL;
    CHECK_OK(ckpi_query_run_files(q, fixture, strlen(fixture), mapping, mapping ? strlen(mapping) : 0, NULL, &streamed));
    char *a = result_json(streamed), *b = result_json(loaded);
    CHECK(a && b && strcmp(a, b) == 0);
    free(a);
    free(b);
    ckpi_result_free(streamed);
    ckpi_result_free(loaded);
}

/* A Parquet export whose kept attr (`account`, dictionary-encoded text) is read into the attr
 * columns by the typed reader, grouped by `attr:account` (tests/fixtures/attrs/README.md):
 * won revenue Acme 300 (one padded), Bolt 400, none 50; the same on the files without a
 * dataset. */
static void parquet_attrs(void) {
    const char *fixture = "tests/fixtures/attrs";
    const char *mapping = "{\"deals\": {\"columns\": {\"deal_id\": \"opportunity_id\", \"status\": \"deal_stage\", "
                          "\"created_on\": \"engage_date\", \"closed_on\": \"close_date\", \"amount\": \"close_value\"}, "
                          "\"values\": {\"status\": {\"Won\": \"won\", \"Lost\": \"lost\", \"Engaging\": \"open\"}}, "
                          "\"defaults\": {\"currency\": \"USD\"}, \"attrs\": [\"account\"]}}";
    const char *query = "{\"metrics\": [\"won_revenue\"], \"period\": \"2025\", \"group_by\": [\"attr:account\"]}";
    ckpi_dataset *ds = NULL;
    ckpi_query *q = NULL;
    ckpi_result *loaded = NULL;
    CHECK_OK(ckpi_dataset_new(&ds));
    CHECK_OK(ckpi_dataset_load_dir(ds, fixture, strlen(fixture), mapping, strlen(mapping), NULL));
    CHECK_OK(ckpi_query_new(&q));
    CHECK_OK(ckpi_query_from_json(q, query, strlen(query)));
    CHECK_OK(ckpi_dataset_run(ds, q, &loaded));
    size_t rows = 0, account = col(loaded, "account");
    CHECK_OK(ckpi_result_row_count(loaded, &rows));
    CHECK(rows == 3);
    int seen = 0;
    for (size_t i = 0; i < rows; i++) {
        size_t len = 0;
        ckpi_status st = ckpi_result_get_text(loaded, i, account, buf, sizeof buf, &len);
        const char *won = dec(loaded, i, "won_revenue");
        if (st == CKPI_VALUE_ABSENT) {
            CHECK(strcmp(won, "50") == 0);
            seen |= 1;
        } else if (st == CKPI_OK && strcmp(buf, "Acme") == 0) {
            CHECK(strcmp(won, "300") == 0);
            seen |= 2;
        } else if (st == CKPI_OK && strcmp(buf, "Bolt") == 0) {
            CHECK(strcmp(won, "400") == 0);
            seen |= 4;
        }
    }
    CHECK(seen == 7);
    same_on_files(q, fixture, mapping, loaded);
    ckpi_query_free(q);
    ckpi_dataset_free(ds);
}

/* Leads in a Parquet file with typed columns (tests/fixtures/leads/README.md), read by the typed
 * leads reader: lead_conversion_rate over 2025 by channel — paid 2 leads, 0.5 (L1 converted
 * through the won deal D1; a padded, mixed-case " Paid" is paid), owned 1 lead, 1 (its won_on
 * given), no channel 1 lead, 0; the same on the files without a dataset. */
static void parquet_leads(void) {
    const char *fixture = "tests/fixtures/leads";
    const char *query = "{\"metrics\": [\"lead_conversion_rate\"], \"period\": \"2025\", \"group_by\": [\"channel\"]}";
    ckpi_dataset *ds = NULL;
    ckpi_query *q = NULL;
    ckpi_result *loaded = NULL;
    CHECK_OK(ckpi_dataset_new(&ds));
    CHECK_OK(ckpi_dataset_load_dir(ds, fixture, strlen(fixture), NULL, 0, NULL));
    CHECK_OK(ckpi_query_new(&q));
    CHECK_OK(ckpi_query_from_json(q, query, strlen(query)));
    CHECK_OK(ckpi_dataset_run(ds, q, &loaded));
    size_t rows = 0, channel = col(loaded, "channel"), rate = col(loaded, "lead_conversion_rate"),
           count = col(loaded, "lead_conversion_rate_n");
    CHECK_OK(ckpi_result_row_count(loaded, &rows));
    CHECK(rows == 3);
    int seen = 0;
    for (size_t i = 0; i < rows; i++) {
        size_t len = 0;
        int64_t leads = -1;
        double r = -1;
        ckpi_status st = ckpi_result_get_text(loaded, i, channel, buf, sizeof buf, &len);
        CHECK_OK(ckpi_result_get_int(loaded, i, count, &leads));
        CHECK_OK(ckpi_result_get_float(loaded, i, rate, &r));
        if (st == CKPI_VALUE_ABSENT) {
            CHECK(leads == 1 && r == 0.0);
            seen |= 1;
        } else if (st == CKPI_OK && strcmp(buf, "paid") == 0) {
            CHECK(leads == 2 && r == 0.5);
            seen |= 2;
        } else if (st == CKPI_OK && strcmp(buf, "owned") == 0) {
            CHECK(leads == 1 && r == 1.0);
            seen |= 4;
        }
    }
    CHECK(seen == 7);
    same_on_files(q, fixture, NULL, loaded);
    ckpi_query_free(q);
    ckpi_dataset_free(ds);
}

/* Subscription months in a Parquet file with typed columns (tests/fixtures/subscriptions/README.md),
 * read by the typed subscriptions reader: mrr_retention and account_retention over 2025-Q1 —
 * start MRR 400, NRR 0.75, GRR 0.625, 3 of 4 accounts kept; by partner P1 start 200, GRR 0.75;
 * the same on the files without a dataset. */
static void parquet_subscriptions(void) {
    const char *fixture = "tests/fixtures/subscriptions";
    const char *whole = "{\"metrics\": [\"mrr_retention\", \"account_retention\"], \"period\": \"2025-Q1\"}";
    const char *by_partner =
        "{\"metrics\": [\"mrr_retention\"], \"period\": \"2025-Q1\", \"group_by\": [\"partner\"]}";
    ckpi_dataset *ds = NULL;
    ckpi_query *q = NULL;
    ckpi_result *loaded = NULL;
    size_t rows = 0, len = 0;
    CHECK_OK(ckpi_dataset_new(&ds));
    CHECK_OK(ckpi_dataset_load_dir(ds, fixture, strlen(fixture), NULL, 0, NULL));
    CHECK_OK(ckpi_query_new(&q));
    CHECK_OK(ckpi_query_from_json(q, whole, strlen(whole)));
    CHECK_OK(ckpi_dataset_run(ds, q, &loaded));
    CHECK_OK(ckpi_result_row_count(loaded, &rows));
    CHECK(rows == 1);
    const char *expected[][2] = {{"retention_mrr_start", "400"}, {"mrr_churned", "100"}, {"mrr_new", "80"}, {"nrr", "0.75"}, {"grr", "0.625"}};
    for (size_t k = 0; k < sizeof expected / sizeof expected[0]; k++) {
        CHECK_OK(ckpi_result_get_decimal(loaded, 0, col(loaded, expected[k][0]), buf, sizeof buf, &len));
        CHECK(strcmp(buf, expected[k][1]) == 0);
    }
    double kept = -1;
    int64_t n = -1;
    CHECK_OK(ckpi_result_get_float(loaded, 0, col(loaded, "account_retention"), &kept));
    CHECK_OK(ckpi_result_get_int(loaded, 0, col(loaded, "account_retention_n"), &n));
    CHECK(kept == 0.75 && n == 4);
    same_on_files(q, fixture, NULL, loaded);
    ckpi_query_free(q);
    q = NULL;
    CHECK_OK(ckpi_query_new(&q));
    CHECK_OK(ckpi_query_from_json(q, by_partner, strlen(by_partner)));
    CHECK_OK(ckpi_dataset_run(ds, q, &loaded));
    CHECK_OK(ckpi_result_row_count(loaded, &rows));
    CHECK(rows == 3);
    size_t partner = col(loaded, "partner");
    int seen = 0;
    for (size_t i = 0; i < rows; i++) {
        if (ckpi_result_get_text(loaded, i, partner, buf, sizeof buf, &len) != CKPI_OK || strcmp(buf, "P1") != 0) continue;
        CHECK_OK(ckpi_result_get_decimal(loaded, i, col(loaded, "retention_mrr_start"), buf, sizeof buf, &len));
        CHECK(strcmp(buf, "200") == 0);
        CHECK_OK(ckpi_result_get_decimal(loaded, i, col(loaded, "grr"), buf, sizeof buf, &len));
        CHECK(strcmp(buf, "0.75") == 0);
        seen = 1;
    }
    CHECK(seen);
    same_on_files(q, fixture, NULL, loaded);
    ckpi_query_free(q);
    ckpi_dataset_free(ds);
}

/* Stage history in a Parquet file with typed columns (tests/fixtures/stage_history/README.md),
 * read by the typed stage-history reader and attached to the deals of deals.parquet:
 * stage_duration over 2025 — Prospect 3 stays, median 20 days; Qualify one stay of 49 days and
 * one open; the same on the files without a dataset. */
static void parquet_stage_history(void) {
    const char *fixture = "tests/fixtures/stage_history";
    const char *query = "{\"metrics\": [\"stage_duration\"], \"period\": \"2025\"}";
    ckpi_dataset *ds = NULL;
    ckpi_query *q = NULL;
    ckpi_result *loaded = NULL;
    size_t rows = 0;
    CHECK_OK(ckpi_dataset_new(&ds));
    CHECK_OK(ckpi_dataset_load_dir(ds, fixture, strlen(fixture), NULL, 0, NULL));
    CHECK_OK(ckpi_query_new(&q));
    CHECK_OK(ckpi_query_from_json(q, query, strlen(query)));
    CHECK_OK(ckpi_dataset_run(ds, q, &loaded));
    CHECK_OK(ckpi_result_row_count(loaded, &rows));
    CHECK(rows == 1);
    int64_t prospects = -1, qualified = -1, open = -1;
    double median = -1, qualify_days = -1;
    CHECK_OK(ckpi_result_get_int(loaded, 0, col(loaded, "stage_prospect_n"), &prospects));
    CHECK_OK(ckpi_result_get_float(loaded, 0, col(loaded, "stage_prospect_days_median"), &median));
    CHECK_OK(ckpi_result_get_int(loaded, 0, col(loaded, "stage_qualify_n"), &qualified));
    CHECK_OK(ckpi_result_get_float(loaded, 0, col(loaded, "stage_qualify_days"), &qualify_days));
    CHECK_OK(ckpi_result_get_int(loaded, 0, col(loaded, "stage_qualify_open_n"), &open));
    CHECK(prospects == 3 && median == 20.0 && qualified == 1 && qualify_days == 49.0 && open == 1);
    same_on_files(q, fixture, NULL, loaded);
    ckpi_query_free(q);
    ckpi_dataset_free(ds);
}

/* Survey answers in a Parquet file with typed columns (tests/fixtures/surveys/README.md), read by
 * the typed surveys reader: over 2025 by partner, P1's CSAT (2 answers, 0.5 satisfied, mean 4.25,
 * one with a padded partner and an upper-case kind) and NPS (2 answers, nps 50, one with a null
 * scale), P2's partner satisfaction (3 answers, mean 19/6, 1 about rewards); the same on the
 * files without a dataset. */
static void parquet_surveys(void) {
    const char *fixture = "tests/fixtures/surveys";
    const char *query =
        "{\"metrics\": [\"partner_csat\", \"partner_satisfaction\"], \"period\": \"2025\", \"group_by\": [\"partner\"]}";
    ckpi_dataset *ds = NULL;
    ckpi_query *q = NULL;
    ckpi_result *loaded = NULL;
    CHECK_OK(ckpi_dataset_new(&ds));
    CHECK_OK(ckpi_dataset_load_dir(ds, fixture, strlen(fixture), NULL, 0, NULL));
    CHECK_OK(ckpi_query_new(&q));
    CHECK_OK(ckpi_query_from_json(q, query, strlen(query)));
    CHECK_OK(ckpi_dataset_run(ds, q, &loaded));
    size_t rows = 0, partner = col(loaded, "partner");
    CHECK_OK(ckpi_result_row_count(loaded, &rows));
    CHECK(rows == 2);
    int seen = 0;
    for (size_t i = 0; i < rows; i++) {
        size_t len = 0;
        int64_t n = -1, nps_n = -1, rewards = -1;
        double csat = -1, mean = -1, nps = -1;
        CHECK_OK(ckpi_result_get_text(loaded, i, partner, buf, sizeof buf, &len));
        if (strcmp(buf, "P1") == 0) {
            CHECK_OK(ckpi_result_get_int(loaded, i, col(loaded, "csat_n"), &n));
            CHECK_OK(ckpi_result_get_float(loaded, i, col(loaded, "csat"), &csat));
            CHECK_OK(ckpi_result_get_float(loaded, i, col(loaded, "csat_mean"), &mean));
            CHECK_OK(ckpi_result_get_int(loaded, i, col(loaded, "nps_responses"), &nps_n));
            CHECK_OK(ckpi_result_get_float(loaded, i, col(loaded, "nps"), &nps));
            CHECK(n == 2 && csat == 0.5 && mean == 4.25 && nps_n == 2 && nps == 50.0);
            seen |= 1;
        } else if (strcmp(buf, "P2") == 0) {
            CHECK_OK(ckpi_result_get_int(loaded, i, col(loaded, "satisfaction_responses"), &n));
            CHECK_OK(ckpi_result_get_float(loaded, i, col(loaded, "satisfaction_mean"), &mean));
            CHECK_OK(ckpi_result_get_int(loaded, i, col(loaded, "satisfaction_rewards_n"), &rewards));
            CHECK(n == 3 && rewards == 1 && mean > 19.0 / 6 - 1e-12 && mean < 19.0 / 6 + 1e-12);
            seen |= 2;
        }
    }
    CHECK(seen == 3);
    same_on_files(q, fixture, NULL, loaded);
    ckpi_query_free(q);
    ckpi_dataset_free(ds);
}

int main(void) {
    strcpy(dir, "/tmp/ckpi-load-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    canonical();
    mapped();
    bad_rows();
    only_attrs();
    query_files();
    parquet_attrs();
    parquet_leads();
    parquet_subscriptions();
    parquet_stage_history();
    parquet_surveys();
    remove_file("deals.csv");
    rmdir(dir);
    return check_summary();
}
