/* The bad-input catalog from C (tests/bad_inputs/README.md).
 *
 * Part 1: every case of tests/bad_inputs/cases (compiled in by tests/c/gen_bad_inputs.py):
 * the files loaded with ckpi_dataset_load_dir (with the case's mapping.json, if any; or
 * dataset.json with ckpi_dataset_load_json),
 * then validated and, when the case has a query, run; the status and the last error's kind,
 * file, line (or row, for Parquet files), record, field and value must be the expected ones.
 * Then every file case again as a query on its files (ckpi_query_run_files: the case's query, or
 * the deal count of 2025), with the same expectations read from the query's last error.
 * Part 2: bad C structs and misuse — NULLs, bad enum codes, non-UTF-8 strings, wrong struct
 * sizes, calls out of order, freed and wrong-kind handles, small buffers.
 * Runs from the repository root (the case paths are relative to it). */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"

typedef struct {
    const char *name, *dir;
    int is_json, collect;
    unsigned max_line;
    const char *query;
    ckpi_status status;
    const char *kind, *file;
    int line, row; /* row: 0-based (Parquet), -1 when the case expects none */
    const char *record, *field, *value, *contains;
    const char *renders_char; /* every rendering of the result holds it renders_count times in a row */
    int renders_count;
} bad_case;

#include "bad_input_cases.inc"

static char err_buf[4096];

/* When set, part() reads this query's last error instead of the dataset's. */
static const ckpi_query *error_query = NULL;

/* A part of the dataset's (or error_query's) last error, or "" when absent. */
static const char *part(const ckpi_dataset *ds, uint32_t which) {
    size_t n = 0;
    ckpi_status s = error_query ? ckpi_query_last_error(error_query, which, err_buf, sizeof err_buf, &n)
                                : ckpi_dataset_last_error(ds, which, err_buf, sizeof err_buf, &n);
    if (s != CKPI_OK) err_buf[0] = 0;
    return err_buf;
}

static int ends_with(const char *s, const char *tail) {
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0 && (a == b || s[a - b - 1] == '/');
}

static int expect_part(const bad_case *c, const ckpi_dataset *ds, uint32_t which, const char *want, const char *what) {
    if (!want) return 1;
    const char *got = part(ds, which);
    int ok = which == CKPI_ERROR_FILE ? ends_with(got, want)
             : which == CKPI_ERROR_MESSAGE ? strstr(got, want) != NULL
                                           : strcmp(got, want) == 0;
    if (!ok) fprintf(stderr, "%s: %s is \"%s\", want \"%s\"\n", c->name, what, got, want);
    return ok;
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

typedef ckpi_status (*render_fn)(const ckpi_result *, char *, size_t, size_t *);

/* Renders the result as text, CSV and JSON (any cell length, any Unicode); each must hold
 * renders_char renders_count times in a row. */
static int check_renders(const bad_case *c, const ckpi_result *r) {
    static const render_fn fns[] = {ckpi_result_to_text, ckpi_result_to_csv, ckpi_result_to_json};
    static const char *names[] = {"text", "CSV", "JSON"};
    size_t clen = c->renders_char ? strlen(c->renders_char) : 0;
    char *want = malloc(clen * (size_t)c->renders_count + 1);
    for (int i = 0; i < c->renders_count; i++) memcpy(want + clen * (size_t)i, c->renders_char, clen);
    want[clen * (size_t)c->renders_count] = 0;
    int ok = 1;
    for (int f = 0; f < 3; f++) {
        size_t n = 0, w = 0;
        if (fns[f](r, NULL, 0, &n) != CKPI_OK) {
            fprintf(stderr, "%s: %s rendering failed\n", c->name, names[f]);
            ok = 0;
            continue;
        }
        char *out = malloc(n + 1);
        if (fns[f](r, out, n + 1, &w) != CKPI_OK || w != n || (c->renders_count && !strstr(out, want))) {
            fprintf(stderr, "%s: the %s rendering lacks %d x \"%s\"\n", c->name, names[f], c->renders_count, c->renders_char);
            ok = 0;
        }
        free(out);
    }
    free(want);
    return ok;
}

static void check_outcome(const bad_case *c, const ckpi_dataset *ds, ckpi_status s, const ckpi_result *r);

static void run_case(const bad_case *c) {
    ckpi_dataset *ds = NULL;
    ckpi_query *q = NULL;
    ckpi_result *r = NULL;
    CHECK_OK(ckpi_dataset_new(&ds));
    ckpi_status s;
    if (c->is_json) {
        char path[512];
        size_t len = 0;
        snprintf(path, sizeof path, "%s/dataset.json", c->dir);
        char *text = read_file(path, &len);
        CHECK(text != NULL);
        s = ckpi_dataset_load_json(ds, text ? text : "", len);
        free(text);
    } else {
        ckpi_load_options o = load_options_defaults();
        o.collect_errors = (uint32_t)c->collect;
        o.max_line_bytes = c->max_line;
        char path[512];
        size_t mlen = 0;
        snprintf(path, sizeof path, "%s/mapping.json", c->dir);
        char *mapping = read_file(path, &mlen); /* NULL when the case has none */
        s = ckpi_dataset_load_dir(ds, c->dir, strlen(c->dir), mapping, mlen, &o);
        free(mapping);
    }
    if (s == CKPI_OK) s = ckpi_dataset_validate(ds);
    if (s == CKPI_OK && c->query) {
        CHECK_OK(ckpi_query_new(&q));
        CHECK_OK(ckpi_query_from_json(q, c->query, strlen(c->query)));
        s = ckpi_dataset_run(ds, q, &r);
    }
    check_outcome(c, ds, s, r);
    ckpi_result_free(r);
    ckpi_query_free(q);
    ckpi_dataset_free(ds);
}

/* A file case as a query on its files: the same outcome, from the query's last error. */
static void run_case_on_files(const bad_case *c) {
    if (c->is_json) return;
    ckpi_query *q = NULL;
    ckpi_result *r = NULL;
    const char *query = c->query ? c->query : "{\"metrics\": [\"deal_count\"], \"period\": \"2025\"}";
    CHECK_OK(ckpi_query_new(&q));
    CHECK_OK(ckpi_query_from_json(q, query, strlen(query)));
    ckpi_load_options o = load_options_defaults();
    o.collect_errors = (uint32_t)c->collect;
    o.max_line_bytes = c->max_line;
    char path[512];
    size_t mlen = 0;
    snprintf(path, sizeof path, "%s/mapping.json", c->dir);
    char *mapping = read_file(path, &mlen);
    ckpi_status s = ckpi_query_run_files(q, c->dir, strlen(c->dir), mapping, mlen, &o, &r);
    free(mapping);
    error_query = q;
    check_outcome(c, NULL, s, r);
    error_query = NULL;
    ckpi_result_free(r);
    ckpi_query_free(q);
}

static void check_outcome(const bad_case *c, const ckpi_dataset *ds, ckpi_status s, const ckpi_result *r) {
    int ok = s == c->status;
    if (!ok) fprintf(stderr, "%s: status %u, want %u (%s)\n", c->name, (unsigned)s, (unsigned)c->status, part(ds, CKPI_ERROR_MESSAGE));
    if (ok && c->status != CKPI_OK) {
        char line[32] = {0}, row[32] = {0};
        if (c->line) snprintf(line, sizeof line, "%d", c->line);
        if (c->row >= 0) snprintf(row, sizeof row, "%d", c->row);
        ok = expect_part(c, ds, CKPI_ERROR_KIND, c->kind, "kind") & expect_part(c, ds, CKPI_ERROR_FILE, c->file, "file") &
             expect_part(c, ds, CKPI_ERROR_LINE, c->line ? line : NULL, "line") &
             expect_part(c, ds, CKPI_ERROR_ROW, c->row >= 0 ? row : NULL, "row") &
             expect_part(c, ds, CKPI_ERROR_RECORD, c->record, "record") & expect_part(c, ds, CKPI_ERROR_FIELD, c->field, "field") &
             expect_part(c, ds, CKPI_ERROR_VALUE, c->value, "value") &
             expect_part(c, ds, CKPI_ERROR_MESSAGE, c->contains, "message");
    }
    if (ok && r) ok = check_renders(c, r);
    CHECK(ok);
}

/* ---- Part 2: C structs and misuse ---------------------------------------------------------- */

/* A valid won deal to start each struct case from. */
static ckpi_deal good_deal(const char *id) {
    ckpi_deal d = deal_defaults();
    d.id = str(id);
    d.status = CKPI_DEAL_WON;
    d.created_on = day("2025-01-10");
    d.closed_on = day("2025-02-01");
    d.amount = str("100.00");
    d.currency = str("USD");
    return d;
}

/* Adds `d` to a fresh dataset; checks the status and (when given) the field of the last error. */
static void add_expect(ckpi_deal d, ckpi_status want, const char *field) {
    ckpi_dataset *ds = NULL;
    CHECK_OK(ckpi_dataset_new(&ds));
    CHECK_STATUS(ckpi_dataset_add_deal(ds, &d), want);
    if (field) CHECK(strcmp(part(ds, CKPI_ERROR_FIELD), field) == 0);
    ckpi_dataset_free(ds);
}

static void struct_cases(void) {
    ckpi_deal d;
    /* NULL handle, NULL struct, NULL string with a length. */
    d = good_deal("S1");
    CHECK_STATUS(ckpi_dataset_add_deal(NULL, &d), CKPI_NULL_ARGUMENT);
    {
        ckpi_dataset *ds = NULL;
        CHECK_OK(ckpi_dataset_new(&ds));
        CHECK_STATUS(ckpi_dataset_add_deal(ds, NULL), CKPI_NULL_ARGUMENT);
        ckpi_dataset_free(ds);
    }
    d = good_deal("S1");
    d.id.ptr = NULL;
    d.id.len = 3;
    add_expect(d, CKPI_NULL_ARGUMENT, "deal_id");
    d = good_deal("S1");
    d.stage_history = NULL;
    d.stage_history_len = 2;
    add_expect(d, CKPI_NULL_ARGUMENT, "stage_history");
    /* Bad enum codes (never trusted as C enums). */
    d = good_deal("S1");
    d.status = 7;
    add_expect(d, CKPI_INVALID_ARGUMENT, "status");
    d = good_deal("S1");
    d.channel = 9;
    add_expect(d, CKPI_INVALID_ARGUMENT, "channel");
    d = good_deal("S1");
    d.kind = 3;
    add_expect(d, CKPI_INVALID_ARGUMENT, "kind");
    d = good_deal("S1");
    d.partner_stages = 64;
    add_expect(d, CKPI_INVALID_ARGUMENT, "partner_stages");
    /* Non-UTF-8 strings. */
    d = good_deal("S\xff");
    add_expect(d, CKPI_INVALID_UTF8, "deal_id");
    d = good_deal("S1");
    d.amount = str("1\xc3");
    add_expect(d, CKPI_INVALID_UTF8, "amount");
    {
        ckpi_attr a = {str("seg\xe9"), str("x")};
        d = good_deal("S1");
        d.attrs = &a;
        d.attrs_len = 1;
        add_expect(d, CKPI_INVALID_UTF8, NULL);
    }
    /* Dates: out of range, missing. */
    d = good_deal("S1");
    d.closed_on = INT32_MAX;
    add_expect(d, CKPI_DATE_OUT_OF_RANGE, "closed_on");
    d = good_deal("S1");
    d.created_on = CKPI_DATE_NONE;
    add_expect(d, CKPI_MISSING_VALUE, "created_on");
    /* Impossible or unparseable values. */
    d = good_deal("S1");
    d.closed_on = day("2025-01-01");
    add_expect(d, CKPI_INVALID_RECORD, "closed_on");
    d = good_deal("S1");
    d.amount = str("NaN");
    add_expect(d, CKPI_PARSE_ERROR, "amount");
    d = good_deal("S1");
    d.amount = str("10000000000000000000000000000000000000000");
    add_expect(d, CKPI_PARSE_ERROR, "amount");
    d = good_deal("S1");
    d.amount = str("-5");
    add_expect(d, CKPI_INVALID_RECORD, "amount");
    d = good_deal("S1");
    d.currency = str("");
    add_expect(d, CKPI_MISSING_VALUE, "currency");
    /* A zeroed struct never given to ckpi_deal_init: struct_size 0 is refused, not guessed at
     * (its dates would read as 1970-01-01, not "none"). */
    memset(&d, 0, sizeof d);
    d.id = str("Z");
    add_expect(d, CKPI_INVALID_ARGUMENT, "struct_size");
    /* Initialised, then the dates zeroed: an open deal with a close date. */
    d = deal_defaults();
    d.id = str("Z");
    d.created_on = d.closed_on = 0;
    add_expect(d, CKPI_INVALID_RECORD, "closed_on");
}

static void option_cases(void) {
    ckpi_dataset *ds = NULL;
    const char *dir = "tests/bad_inputs/cases/csv_crlf";
    CHECK_OK(ckpi_dataset_new(&ds));
    ckpi_load_options o = load_options_defaults();
    CHECK(o.struct_size == sizeof(ckpi_load_options));
    o.struct_size = (uint32_t)sizeof o + 8; /* a caller compiled against a newer header */
    CHECK_STATUS(ckpi_dataset_load_dir(ds, dir, strlen(dir), NULL, 0, &o), CKPI_STRUCT_TOO_NEW);
    CHECK(strcmp(part(ds, CKPI_ERROR_FIELD), "struct_size") == 0);
    o.struct_size = 2; /* not even the size field: never initialised */
    CHECK_STATUS(ckpi_dataset_load_dir(ds, dir, strlen(dir), NULL, 0, &o), CKPI_INVALID_ARGUMENT);
    o.struct_size = 8; /* an older header's options (no max_line_bytes): its default applies */
    CHECK_OK(ckpi_dataset_load_dir(ds, dir, strlen(dir), NULL, 0, &o));
    ckpi_dataset_free(ds);
    CHECK_OK(ckpi_dataset_new(&ds));
    o = load_options_defaults();
    o.collect_errors = 2;
    CHECK_STATUS(ckpi_dataset_load_dir(ds, dir, strlen(dir), NULL, 0, &o), CKPI_INVALID_ARGUMENT);
    CHECK(strcmp(part(ds, CKPI_ERROR_VALUE), "2") == 0);
    CHECK_STATUS(ckpi_dataset_load_dir(ds, "no/such/dir", 11, NULL, 0, NULL), CKPI_IO_ERROR);
    CHECK_STATUS(ckpi_dataset_load_dir(ds, "tests/\xff", 7, NULL, 0, NULL), CKPI_INVALID_UTF8);
    CHECK_STATUS(ckpi_dataset_load_dir(ds, dir, strlen(dir), "{\"deals\": 5}", 12, NULL), CKPI_PARSE_ERROR);
    CHECK_OK(ckpi_dataset_load_dir(ds, dir, strlen(dir), NULL, 0, NULL)); /* NULL options = defaults */
    CHECK_STATUS(ckpi_dataset_load_json(ds, "{\"deals\": [\xc3]}", 14), CKPI_INVALID_UTF8);
    ckpi_dataset_free(ds);
}

static void engine_cases(void) {
    /* Overflow while summing, mixed currencies, duplicate ids, dangling partner: from structs. */
    ckpi_dataset *ds = NULL;
    ckpi_query *q = NULL;
    ckpi_result *r = NULL;
    CHECK_OK(ckpi_query_new(&q));
    CHECK_OK(ckpi_query_add_metric(q, "won_revenue", 11));
    CHECK_OK(ckpi_query_set_period(q, "2025", 4));

    CHECK_OK(ckpi_dataset_new(&ds));
    ckpi_deal a = good_deal("A"), b = good_deal("B");
    a.amount = b.amount = str("79228162514264337593543950335");
    CHECK_OK(ckpi_dataset_add_deal(ds, &a));
    CHECK_OK(ckpi_dataset_add_deal(ds, &b));
    CHECK_STATUS(ckpi_dataset_run(ds, q, &r), CKPI_OVERFLOW);
    CHECK(r == NULL);
    CHECK(strcmp(part(ds, CKPI_ERROR_KIND), "overflow") == 0);
    ckpi_dataset_free(ds);

    CHECK_OK(ckpi_dataset_new(&ds));
    a = good_deal("A");
    b = good_deal("B");
    b.currency = str("EUR");
    CHECK_OK(ckpi_dataset_add_deal(ds, &a));
    CHECK_OK(ckpi_dataset_add_deal(ds, &b));
    CHECK_STATUS(ckpi_dataset_run(ds, q, &r), CKPI_CURRENCY_ERROR);
    ckpi_dataset_free(ds);

    CHECK_OK(ckpi_dataset_new(&ds));
    a = good_deal("A");
    CHECK_OK(ckpi_dataset_add_deal(ds, &a));
    /* A duplicate id is rejected at push time, naming the record; it is not added, so the
     * dataset stays valid and queries keep working. */
    CHECK_STATUS(ckpi_dataset_add_deal(ds, &a), CKPI_REFERENCE_ERROR);
    CHECK(strcmp(part(ds, CKPI_ERROR_VALUE), "A") == 0);
    CHECK(strcmp(part(ds, CKPI_ERROR_RECORD), "deal A") == 0);
    CHECK_OK(ckpi_dataset_validate(ds));
    CHECK_OK(ckpi_dataset_run(ds, q, &r));
    ckpi_result_free(r);
    r = NULL;
    /* Negative targets and spend are rejected as the file loaders reject them. */
    ckpi_target t = target_defaults();
    t.dimension = str("all");
    t.period = str("2025");
    t.amount = str("-10");
    t.currency = str("USD");
    CHECK_STATUS(ckpi_dataset_add_target(ds, &t), CKPI_INVALID_RECORD);
    CHECK(strcmp(part(ds, CKPI_ERROR_FIELD), "amount") == 0);
    CHECK(strstr(part(ds, CKPI_ERROR_MESSAGE), "a revenue target is negative") != NULL);
    ckpi_spend sp = spend_defaults();
    sp.channel = CKPI_CHANNEL_PAID;
    sp.spent_on = day("2025-03-01");
    sp.amount = str("-0.01");
    sp.currency = str("USD");
    CHECK_STATUS(ckpi_dataset_add_spend(ds, &sp), CKPI_INVALID_RECORD);
    CHECK(strstr(part(ds, CKPI_ERROR_MESSAGE), "spend is negative") != NULL);
    /* Duplicate leads, partners, org units, tickets and referrals too. */
    ckpi_lead l = lead_defaults();
    l.id = str("L1");
    l.created_on = day("2025-01-02");
    CHECK_OK(ckpi_dataset_add_lead(ds, &l));
    CHECK_STATUS(ckpi_dataset_add_lead(ds, &l), CKPI_REFERENCE_ERROR);
    CHECK(strcmp(part(ds, CKPI_ERROR_RECORD), "lead L1") == 0);
    ckpi_org_unit u = org_unit_defaults();
    u.id = str("t1");
    u.level = str("team");
    CHECK_OK(ckpi_dataset_add_org_unit(ds, &u));
    CHECK_STATUS(ckpi_dataset_add_org_unit(ds, &u), CKPI_REFERENCE_ERROR);
    CHECK(strcmp(part(ds, CKPI_ERROR_RECORD), "org unit t1") == 0);
    ckpi_ticket tk = ticket_defaults();
    tk.id = str("T1");
    tk.account_id = str("acc");
    tk.opened_on = day("2025-01-02");
    CHECK_OK(ckpi_dataset_add_ticket(ds, &tk));
    CHECK_STATUS(ckpi_dataset_add_ticket(ds, &tk), CKPI_REFERENCE_ERROR);
    CHECK(strcmp(part(ds, CKPI_ERROR_RECORD), "ticket T1") == 0);
    ckpi_referral rf = referral_defaults();
    rf.id = str("R1");
    rf.referred_on = day("2025-01-02");
    CHECK_OK(ckpi_dataset_add_referral(ds, &rf));
    CHECK_STATUS(ckpi_dataset_add_referral(ds, &rf), CKPI_REFERENCE_ERROR);
    CHECK_OK(ckpi_dataset_run(ds, q, &r));
    ckpi_result_free(r);
    r = NULL;
    ckpi_dataset_free(ds);

    CHECK_OK(ckpi_dataset_new(&ds));
    ckpi_partner p = partner_defaults();
    p.id = str("acme");
    CHECK_OK(ckpi_dataset_add_partner(ds, &p));
    a = good_deal("A");
    a.partner_id = str("ghost");
    CHECK_OK(ckpi_dataset_add_deal(ds, &a));
    CHECK_STATUS(ckpi_dataset_validate(ds), CKPI_REFERENCE_ERROR);
    CHECK(strcmp(part(ds, CKPI_ERROR_FIELD), "partner_id") == 0);
    CHECK(strcmp(part(ds, CKPI_ERROR_VALUE), "ghost") == 0);
    ckpi_dataset_free(ds);
    ckpi_query_free(q);
}

static void misuse_cases(void) {
    ckpi_dataset *ds = NULL;
    ckpi_query *q = NULL;
    ckpi_result *r = NULL;
    char small[2];
    size_t n = 99;
    CHECK_OK(ckpi_dataset_new(&ds));
    CHECK_OK(ckpi_query_new(&q));
    ckpi_deal d = good_deal("A");
    CHECK_OK(ckpi_dataset_add_deal(ds, &d));
    /* Out of order: running a query that has no metrics or period yet. */
    CHECK_STATUS(ckpi_dataset_run(ds, q, &r), CKPI_QUERY_ERROR);
    CHECK_OK(ckpi_query_add_metric(q, "won_revenue", 11));
    CHECK_OK(ckpi_query_set_period(q, "2025", 4));
    CHECK_OK(ckpi_dataset_run(ds, q, &r));
    /* Reading outside the result, with the wrong type, into a small buffer. */
    int64_t i = 7;
    CHECK_STATUS(ckpi_result_get_int(r, 99, 0, &i), CKPI_INDEX_OUT_OF_RANGE);
    size_t col = 0;
    CHECK_OK(ckpi_result_column_index(r, "won_revenue", 11, &col));
    CHECK_STATUS(ckpi_result_get_int(r, 0, col, &i), CKPI_WRONG_TYPE);
    CHECK(i == 7); /* out-parameters untouched on failure */
    CHECK_STATUS(ckpi_result_get_decimal(r, 0, col, small, sizeof small, &n), CKPI_BUFFER_TOO_SMALL);
    CHECK_STATUS(ckpi_dataset_last_error(ds, 99, small, sizeof small, &n), CKPI_VALUE_ABSENT);
    /* Wrong-kind handles, freed handles, double free. */
    CHECK_STATUS(ckpi_dataset_validate((ckpi_dataset *)q), CKPI_INVALID_HANDLE);
    CHECK_STATUS(ckpi_result_row_count((const ckpi_result *)ds, &n), CKPI_INVALID_HANDLE);
    ckpi_result_free(r);
    CHECK_STATUS(ckpi_result_row_count(r, &n), CKPI_INVALID_HANDLE);
    ckpi_result_free(r);
    ckpi_dataset_free(ds);
    CHECK_STATUS(ckpi_dataset_add_deal(ds, &d), CKPI_INVALID_HANDLE);
    CHECK_STATUS(ckpi_dataset_run(ds, q, &r), CKPI_INVALID_HANDLE);
    ckpi_dataset_free(ds);
    ckpi_query_free(q);
    CHECK_STATUS(ckpi_query_add_metric(q, "won_revenue", 11), CKPI_INVALID_HANDLE);
}

int main(void) {
    size_t n = sizeof bad_cases / sizeof bad_cases[0];
    for (size_t i = 0; i < n; i++) run_case(&bad_cases[i]);
    for (size_t i = 0; i < n; i++) run_case_on_files(&bad_cases[i]);
    printf("%zu catalog cases, the file cases also as queries on their files\n", n);
    struct_cases();
    option_cases();
    engine_cases();
    misuse_cases();
    return check_summary();
}
