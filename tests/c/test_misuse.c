/* (c) Misuse: NULLs, invalid UTF-8, out-of-range dates, mixed currencies, bad codes, small
 * buffers, wrong accessors, freed and wrong-kind handles. Every call must answer with a status
 * code (and leave out-parameters alone), never crash; valgrind / ASan check the "never". */
#include <stdint.h>

#include <math.h>
#include "check.h"

static char buf[256];
static size_t n;

static void nulls(void) {
    ckpi_dataset *ds = NULL;
    CHECK_STATUS(ckpi_dataset_new(NULL), CKPI_NULL_ARGUMENT);
    CHECK_STATUS(ckpi_query_new(NULL), CKPI_NULL_ARGUMENT);
    CHECK_STATUS(ckpi_dataset_add_deal(NULL, NULL), CKPI_NULL_ARGUMENT);
    CHECK_OK(ckpi_dataset_new(&ds));
    CHECK_STATUS(ckpi_dataset_add_deal(ds, NULL), CKPI_NULL_ARGUMENT);
    CHECK_STATUS(ckpi_dataset_load_json(ds, NULL, 5), CKPI_NULL_ARGUMENT);
    CHECK_STATUS(ckpi_dataset_run(ds, NULL, NULL), CKPI_NULL_ARGUMENT);
    CHECK_STATUS(ckpi_status_message(CKPI_OK, buf, sizeof buf, NULL), CKPI_NULL_ARGUMENT);
    CHECK_STATUS(ckpi_status_message(CKPI_OK, NULL, 10, &n), CKPI_NULL_ARGUMENT);
    CHECK_STATUS(ckpi_result_row_count(NULL, &n), CKPI_NULL_ARGUMENT);
    /* A NULL string pointer with a non-zero length inside a record. */
    ckpi_deal d = deal_defaults();
    d.id = CKPI_STR("N1");
    d.created_on = day("2025-01-01");
    d.partner_id.ptr = NULL;
    d.partner_id.len = 4;
    CHECK_STATUS(ckpi_dataset_add_deal(ds, &d), CKPI_NULL_ARGUMENT);
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_FIELD, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "partner_id") == 0);
    /* An array pointer that is NULL with a length. */
    d.partner_id = CKPI_STR("");
    d.attrs = NULL;
    d.attrs_len = 3;
    CHECK_STATUS(ckpi_dataset_add_deal(ds, &d), CKPI_NULL_ARGUMENT);
    /* The free functions accept NULL. */
    ckpi_dataset_free(NULL);
    ckpi_query_free(NULL);
    ckpi_result_free(NULL);
    ckpi_dataset_free(ds);
}

static void invalid_utf8(void) {
    ckpi_dataset *ds = NULL;
    ckpi_query *q = NULL;
    CHECK_OK(ckpi_dataset_new(&ds));
    ckpi_deal d = deal_defaults();
    d.id = CKPI_STR("U1");
    d.created_on = day("2025-01-01");
    d.partner_id = CKPI_STR("ac\xff\xfe");
    CHECK_STATUS(ckpi_dataset_add_deal(ds, &d), CKPI_INVALID_UTF8);
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_RECORD, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "deal U1") == 0);
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_KIND, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "utf8") == 0);
    /* Truncated multi-byte sequence in JSON. */
    CHECK_STATUS(ckpi_dataset_load_json(ds, "{\"deals\": \"\xc3\"}", 14), CKPI_INVALID_UTF8);
    CHECK_OK(ckpi_query_new(&q));
    CHECK_STATUS(ckpi_query_add_metric(q, "close\x80rate", 11), CKPI_INVALID_UTF8);
    CHECK_OK(ckpi_query_last_error(q, CKPI_ERROR_FIELD, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "metrics") == 0);
    CHECK_STATUS(ckpi_result_column_index((const ckpi_result *)q, "\xff", 1, &n), CKPI_INVALID_UTF8);
    ckpi_query_free(q);
    ckpi_dataset_free(ds);
}

static void dates(void) {
    ckpi_dataset *ds = NULL;
    ckpi_query *q = NULL;
    int32_t days = 7;
    int32_t y = 0;
    uint32_t m = 0, dd = 0;
    CHECK_STATUS(ckpi_date_from_ymd(2025, 2, 30, &days), CKPI_DATE_OUT_OF_RANGE);
    CHECK_STATUS(ckpi_date_from_ymd(2025, 13, 1, &days), CKPI_DATE_OUT_OF_RANGE);
    CHECK(days == 7); /* untouched */
    CHECK_STATUS(ckpi_date_to_ymd(INT32_MAX, &y, &m, &dd), CKPI_DATE_OUT_OF_RANGE);
    CHECK_STATUS(ckpi_date_to_ymd(CKPI_DATE_NONE, &y, &m, &dd), CKPI_DATE_OUT_OF_RANGE);
    CHECK_OK(ckpi_date_to_ymd(0, &y, &m, &dd));
    CHECK(y == 1970 && m == 1 && dd == 1);
    CHECK_OK(ckpi_dataset_new(&ds));
    ckpi_deal d = deal_defaults();
    d.id = CKPI_STR("T1");
    d.created_on = INT32_MAX;
    CHECK_STATUS(ckpi_dataset_add_deal(ds, &d), CKPI_DATE_OUT_OF_RANGE);
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_VALUE, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "2147483647") == 0);
    d.created_on = CKPI_DATE_NONE; /* required */
    CHECK_STATUS(ckpi_dataset_add_deal(ds, &d), CKPI_MISSING_VALUE);
    d.created_on = day("2025-03-01");
    d.status = CKPI_DEAL_WON;
    d.closed_on = day("2025-02-01"); /* closed before created */
    d.amount = CKPI_STR("10");
    d.currency = CKPI_STR("USD");
    CHECK_STATUS(ckpi_dataset_add_deal(ds, &d), CKPI_INVALID_RECORD);
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_FIELD, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "closed_on") == 0);
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_VALUE, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "2025-02-01") == 0);
    CHECK_OK(ckpi_query_new(&q));
    CHECK_STATUS(ckpi_query_set_period_days(q, -2000000000, 5), CKPI_DATE_OUT_OF_RANGE);
    CHECK_STATUS(ckpi_query_set_period_days(q, 10, 5), CKPI_PARSE_ERROR); /* start after end */
    CHECK_STATUS(ckpi_query_set_last_days(q, 0, day("2025-01-01")), CKPI_PARSE_ERROR);
    CHECK_STATUS(ckpi_query_set_period(q, "2025-Q5", 7), CKPI_PARSE_ERROR);
    ckpi_query_free(q);
    ckpi_dataset_free(ds);
}

static void bad_values(void) {
    ckpi_dataset *ds = NULL;
    ckpi_query *q = NULL;
    CHECK_OK(ckpi_dataset_new(&ds));
    ckpi_deal d = deal_defaults();
    d.id = CKPI_STR("V1");
    d.created_on = day("2025-01-01");
    d.status = 7; /* not a status */
    CHECK_STATUS(ckpi_dataset_add_deal(ds, &d), CKPI_INVALID_ARGUMENT);
    d.status = CKPI_DEAL_OPEN;
    d.channel = 42;
    CHECK_STATUS(ckpi_dataset_add_deal(ds, &d), CKPI_INVALID_ARGUMENT);
    d.channel = CKPI_CHANNEL_NONE;
    d.partner_stages = 1u << 9;
    CHECK_STATUS(ckpi_dataset_add_deal(ds, &d), CKPI_INVALID_ARGUMENT);
    d.partner_stages = 0;
    d.amount = CKPI_STR("1e3"); /* exponents are rejected: money is exact decimal text */
    d.currency = CKPI_STR("USD");
    CHECK_STATUS(ckpi_dataset_add_deal(ds, &d), CKPI_PARSE_ERROR);
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_VALUE, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "1e3") == 0);
    d.amount = CKPI_STR("12.5");
    d.currency = CKPI_STR("US$");
    CHECK_STATUS(ckpi_dataset_add_deal(ds, &d), CKPI_PARSE_ERROR);
    d.currency = CKPI_STR("");
    CHECK_STATUS(ckpi_dataset_add_deal(ds, &d), CKPI_MISSING_VALUE);
    CHECK_STATUS(ckpi_dataset_set_fx_rule(ds, 5), CKPI_INVALID_ARGUMENT);
    CHECK_STATUS(ckpi_dataset_load_json(ds, "{\"deals\": [", 11), CKPI_PARSE_ERROR);
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_LINE, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "1") == 0);
    /* A failed call leaves the dataset as it was; a later success clears the last error. */
    d.currency = CKPI_STR("USD");
    CHECK_OK(ckpi_dataset_add_deal(ds, &d));
    CHECK_STATUS(ckpi_dataset_last_error(ds, CKPI_ERROR_MESSAGE, buf, sizeof buf, &n), CKPI_VALUE_ABSENT);
    CHECK_STATUS(ckpi_dataset_last_error(ds, 77, buf, sizeof buf, &n), CKPI_VALUE_ABSENT);
    /* A duplicate id is rejected when pushed, naming the record; the dataset stays valid. */
    CHECK_STATUS(ckpi_dataset_add_deal(ds, &d), CKPI_REFERENCE_ERROR);
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_RECORD, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "deal V1") == 0);
    CHECK_OK(ckpi_dataset_validate(ds));

    CHECK_OK(ckpi_query_new(&q));
    CHECK_STATUS(ckpi_query_add_metric(q, "happiness", 9), CKPI_QUERY_ERROR);
    CHECK_STATUS(ckpi_query_add_group_by(q, "horoscope", 9), CKPI_PARSE_ERROR);
    CHECK_STATUS(ckpi_query_set_rollup(q, 2), CKPI_INVALID_ARGUMENT);
    CHECK_STATUS(ckpi_query_set_option(q, "confidence", 10, "1.5", 3), CKPI_OK);
    CHECK_STATUS(ckpi_query_set_option(q, "mood", 4, "1", 1), CKPI_QUERY_ERROR);
    CHECK_STATUS(ckpi_query_from_json(q, "{\"metrics\": 3}", 14), CKPI_QUERY_ERROR);
    ckpi_result *r = (ckpi_result *)&n;
    CHECK_STATUS(ckpi_dataset_run(ds, q, &r), CKPI_QUERY_ERROR); /* no metric, no period */
    CHECK(r == (ckpi_result *)&n);                                /* out-param untouched */
    CHECK_OK(ckpi_query_add_metric(q, "close_rate", 10));
    CHECK_OK(ckpi_query_set_period(q, "2025", 4));
    CHECK_STATUS(ckpi_dataset_run(ds, q, &r), CKPI_QUERY_ERROR); /* confidence 1.5 */
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_MESSAGE, buf, sizeof buf, &n));
    CHECK(strstr(buf, "confidence") != NULL);
    ckpi_query_free(q);
    ckpi_dataset_free(ds);
}

static void mixed_currencies(void) {
    ckpi_dataset *ds = NULL;
    ckpi_query *q = NULL;
    ckpi_result *r = NULL;
    CHECK_OK(ckpi_dataset_new(&ds));
    ckpi_deal d = deal_defaults();
    d.status = CKPI_DEAL_WON;
    d.created_on = day("2025-01-01");
    d.closed_on = day("2025-01-11");
    d.id = CKPI_STR("1");
    d.amount = CKPI_STR("100");
    d.currency = CKPI_STR("USD");
    CHECK_OK(ckpi_dataset_add_deal(ds, &d));
    d.id = CKPI_STR("2");
    d.currency = CKPI_STR("EUR");
    CHECK_OK(ckpi_dataset_add_deal(ds, &d));
    CHECK_OK(ckpi_query_new(&q));
    CHECK_OK(ckpi_query_add_metric(q, "won_revenue", 11));
    CHECK_OK(ckpi_query_set_period(q, "2025", 4));
    CHECK_STATUS(ckpi_dataset_run(ds, q, &r), CKPI_CURRENCY_ERROR);
    CHECK(r == NULL);
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_KIND, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "currency") == 0);
    /* A close rate adds no amounts: it needs no exchange rates (1 won of 2 closed). */
    ckpi_query *counts = NULL;
    CHECK_OK(ckpi_query_new(&counts));
    CHECK_OK(ckpi_query_add_metric(counts, "close_rate", 10));
    CHECK_OK(ckpi_query_set_period(counts, "2025", 4));
    d.id = CKPI_STR("3");
    d.status = CKPI_DEAL_LOST;
    CHECK_OK(ckpi_dataset_add_deal(ds, &d));
    CHECK_OK(ckpi_dataset_run(ds, counts, &r));
    CHECK(fabs(float_at(r, 0, "close_rate") - 2.0 / 3.0) < 1e-12);
    ckpi_result_free(r);
    r = NULL;
    ckpi_query_free(counts);
    /* With a rate and a reporting currency it works: 100 USD + 100 EUR × 1.10 = 210 USD. */
    ckpi_fx_rate rate = fx_rate_defaults();
    rate.from = CKPI_STR("EUR");
    rate.to = CKPI_STR("USD");
    rate.on = day("2025-01-01");
    rate.rate = CKPI_STR("1.10");
    CHECK_OK(ckpi_dataset_add_fx_rate(ds, &rate));
    rate.rate = CKPI_STR("-1");
    CHECK_STATUS(ckpi_dataset_add_fx_rate(ds, &rate), CKPI_INVALID_RECORD);
    CHECK_OK(ckpi_query_set_currency(q, "USD", 3));
    CHECK_OK(ckpi_dataset_run(ds, q, &r));
    CHECK(strcmp(dec(r, 0, "won_revenue"), "210") == 0);
    ckpi_result_free(r);
    ckpi_query_free(q);
    ckpi_dataset_free(ds);
}

static void buffers_and_accessors(void) {
    ckpi_dataset *ds = NULL;
    ckpi_query *q = NULL;
    ckpi_result *r = NULL;
    const char *data = "{\"deals\": [{\"id\": \"A\", \"status\": \"won\", \"created_on\": \"2025-01-01\","
                       " \"closed_on\": \"2025-01-05\", \"amount\": {\"amount\": \"123456789012345678.25\", \"currency\": \"USD\"}}]}";
    CHECK_OK(ckpi_dataset_new(&ds));
    CHECK_OK(ckpi_dataset_load_json(ds, data, strlen(data)));
    CHECK_OK(ckpi_query_new(&q));
    const char *query = "{\"metrics\": [\"won_revenue\", \"close_rate\"], \"period\": \"2025\"}";
    CHECK_OK(ckpi_query_from_json(q, query, strlen(query)));
    CHECK_OK(ckpi_dataset_run(ds, q, &r));
    size_t c = col(r, "won_revenue");
    char small[4] = "xyz";
    size_t w = 99;
    CHECK_STATUS(ckpi_result_get_decimal(r, 0, c, small, sizeof small, &w), CKPI_BUFFER_TOO_SMALL);
    CHECK(w == 99 && strcmp(small, "xyz") == 0); /* nothing written */
    CHECK_OK(ckpi_result_get_decimal(r, 0, c, NULL, 0, &w));
    CHECK(w == strlen("123456789012345678.25"));
    int64_t mant = 0;
    uint32_t scale = 0;
    /* 12345678901234567825 > INT64_MAX: read as a string instead. */
    CHECK_STATUS(ckpi_result_get_decimal_parts(r, 0, c, &mant, &scale), CKPI_DECIMAL_TOO_WIDE);
    double f = 0;
    int64_t i = 0;
    int32_t dd = 0;
    CHECK_STATUS(ckpi_result_get_float(r, 0, c, &f), CKPI_WRONG_TYPE);
    CHECK_STATUS(ckpi_result_get_int(r, 0, c, &i), CKPI_WRONG_TYPE);
    CHECK_STATUS(ckpi_result_get_date(r, 0, c, &dd), CKPI_WRONG_TYPE);
    CHECK_STATUS(ckpi_result_get_text(r, 0, c, buf, sizeof buf, &n), CKPI_WRONG_TYPE);
    CHECK_STATUS(ckpi_result_get_int(r, 1, c, &i), CKPI_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(ckpi_result_get_int(r, 0, 10000, &i), CKPI_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(ckpi_result_get_int(r, (size_t)-1, (size_t)-1, &i), CKPI_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(ckpi_result_column_name(r, 999, buf, sizeof buf, &n), CKPI_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(ckpi_result_column_index(r, "nope", 4, &n), CKPI_NOT_FOUND);
    CHECK_OK(ckpi_result_get_float(r, 0, col(r, "close_rate"), &f));
    CHECK(f == 1.0);
    /* Status messages, including an unknown code; too small a buffer writes nothing. */
    CHECK_OK(ckpi_status_message(CKPI_CURRENCY_ERROR, buf, sizeof buf, &n));
    CHECK(strstr(buf, "currenc") != NULL && n == strlen(buf));
    CHECK_OK(ckpi_status_message(12345, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "unknown status code") == 0);
    CHECK_STATUS(ckpi_status_message(CKPI_PANIC, small, sizeof small, &n), CKPI_BUFFER_TOO_SMALL);
    ckpi_result_free(r);
    ckpi_query_free(q);
    ckpi_dataset_free(ds);
}

/* Use-after-free-shaped misuse: freed handles, double frees, one kind of handle passed as
 * another. The library checks every handle against its registry before touching it. */
static void stale_handles(void) {
    ckpi_dataset *ds = NULL;
    ckpi_query *q = NULL;
    ckpi_result *r = NULL;
    CHECK_OK(ckpi_dataset_new(&ds));
    ckpi_deal deal = deal_defaults();
    deal.id = CKPI_STR("S1");
    deal.created_on = day("2025-02-02");
    CHECK_OK(ckpi_dataset_add_deal(ds, &deal));
    CHECK_OK(ckpi_query_new(&q));
    CHECK_OK(ckpi_query_add_metric(q, "deal_count", 10));
    CHECK_OK(ckpi_query_set_period(q, "2025", 4));
    CHECK_OK(ckpi_dataset_run(ds, q, &r));
    /* The result owns its data: it outlives the dataset and the query. */
    ckpi_dataset_free(ds);
    ckpi_query_free(q);
    size_t rows = 9;
    CHECK_OK(ckpi_result_row_count(r, &rows));
    CHECK(rows == 1);
    ckpi_result *other = NULL;
    CHECK_STATUS(ckpi_dataset_run(ds, q, &other), CKPI_INVALID_HANDLE);
    ckpi_deal d = deal_defaults();
    CHECK_STATUS(ckpi_dataset_add_deal(ds, &d), CKPI_INVALID_HANDLE);
    CHECK_STATUS(ckpi_query_add_metric(q, "deal_count", 10), CKPI_INVALID_HANDLE);
    CHECK_STATUS(ckpi_dataset_last_error(ds, CKPI_ERROR_MESSAGE, buf, sizeof buf, &n), CKPI_INVALID_HANDLE);
    ckpi_dataset_free(ds); /* double free: ignored */
    ckpi_query_free(q);
    /* Wrong kinds: a result where a dataset is expected and the reverse; freeing with the wrong
     * function does nothing. */
    CHECK_STATUS(ckpi_dataset_validate((ckpi_dataset *)r), CKPI_INVALID_HANDLE);
    ckpi_dataset_free((ckpi_dataset *)r);
    CHECK_OK(ckpi_result_row_count(r, &rows));
    /* Pointers that were never handles: on the stack, or a pointer into a handle. */
    int local = 0;
    CHECK_STATUS(ckpi_result_row_count((ckpi_result *)&local, &rows), CKPI_INVALID_HANDLE);
    CHECK_STATUS(ckpi_result_row_count((ckpi_result *)((char *)r + 8), &rows), CKPI_INVALID_HANDLE);
    ckpi_result_free(r);
    ckpi_result_free(r);
    CHECK_STATUS(ckpi_result_row_count(r, &rows), CKPI_INVALID_HANDLE);
    CHECK_STATUS(ckpi_result_to_json(r, buf, sizeof buf, &n), CKPI_INVALID_HANDLE);
}

/* A stale handle never aliases a new one: after ckpi_dataset_free(a), a new dataset b may take
 * a's memory and slot, but calls made with a are CKPI_INVALID_HANDLE and never reach b. */
static void stale_handle_does_not_alias(void) {
    for (int round = 0; round < 50; round++) {
        ckpi_dataset *a = NULL, *b = NULL;
        CHECK_OK(ckpi_dataset_new(&a));
        ckpi_dataset_free(a);
        CHECK_OK(ckpi_dataset_new(&b));
        CHECK(a != b);
        ckpi_deal d = deal_defaults();
        d.id = CKPI_STR("X1");
        d.created_on = day("2025-02-02");
        CHECK_STATUS(ckpi_dataset_add_deal(a, &d), CKPI_INVALID_HANDLE);
        ckpi_dataset_free(a); /* must not free b */
        size_t len = 0;
        CHECK_OK(ckpi_dataset_to_json(b, NULL, 0, &len));
        char json[4096];
        CHECK_OK(ckpi_dataset_to_json(b, json, sizeof json, &len));
        CHECK(strstr(json, "X1") == NULL); /* the push through a did not land in b */
        CHECK_OK(ckpi_dataset_add_deal(b, &d));
        ckpi_dataset_free(b);
    }
    /* Forged values: small integers, all ones, a handle with its generation changed. */
    ckpi_dataset *c = NULL;
    CHECK_OK(ckpi_dataset_new(&c));
    CHECK_STATUS(ckpi_dataset_validate((ckpi_dataset *)(uintptr_t)1), CKPI_INVALID_HANDLE);
    CHECK_STATUS(ckpi_dataset_validate((ckpi_dataset *)~(uintptr_t)0), CKPI_INVALID_HANDLE);
    uintptr_t half = (uintptr_t)1 << (sizeof(uintptr_t) * 4);
    CHECK_STATUS(ckpi_dataset_validate((ckpi_dataset *)((uintptr_t)c + half)), CKPI_INVALID_HANDLE);
    CHECK_OK(ckpi_dataset_validate(c));
    ckpi_dataset_free(c);
}

/* The partner-program and customer-success pushers check their record and name the field. */
static void program_records(void) {
    ckpi_dataset *ds = NULL;
    CHECK_OK(ckpi_dataset_new(&ds));
    CHECK_STATUS(ckpi_dataset_add_survey(ds, NULL), CKPI_NULL_ARGUMENT);
    CHECK_STATUS(ckpi_dataset_add_usage(NULL, NULL), CKPI_NULL_ARGUMENT);

    ckpi_survey s = survey_defaults();
    s.kind = CKPI_SURVEY_CSAT;
    s.scale = 5;
    s.score = CKPI_STR("6"); /* above the 1-5 scale */
    s.submitted_on = day("2025-02-01");
    CHECK_STATUS(ckpi_dataset_add_survey(ds, &s), CKPI_INVALID_RECORD);
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_FIELD, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "score") == 0);
    s.score = CKPI_STR("4");
    s.topic = 9; /* not a topic */
    CHECK_STATUS(ckpi_dataset_add_survey(ds, &s), CKPI_INVALID_ARGUMENT);
    s.topic = CKPI_TOPIC_TRAINING;
    s.score = CKPI_STR("four");
    CHECK_STATUS(ckpi_dataset_add_survey(ds, &s), CKPI_PARSE_ERROR);
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_VALUE, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "four") == 0);
    s.score = CKPI_STR("4");
    CHECK_OK(ckpi_dataset_add_survey(ds, &s));

    ckpi_ticket t = ticket_defaults();
    t.id = CKPI_STR("T1");
    t.account_id = CKPI_STR("A1");
    t.opened_on = day("2025-03-05");
    t.closed_on = day("2025-03-01"); /* closed before opened */
    CHECK_STATUS(ckpi_dataset_add_ticket(ds, &t), CKPI_INVALID_RECORD);
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_RECORD, buf, sizeof buf, &n));
    CHECK(strstr(buf, "T1") != NULL);

    ckpi_subscription_month m = subscription_month_defaults();
    m.account_id = CKPI_STR("A1");
    m.month = day("2025-01-01");
    m.mrr = CKPI_STR("100");
    CHECK_STATUS(ckpi_dataset_add_subscription_month(ds, &m), CKPI_MISSING_VALUE); /* no currency */
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_FIELD, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "currency") == 0);
    m.currency = CKPI_STR("USD");
    m.mrr = CKPI_STR("1,000");
    CHECK_STATUS(ckpi_dataset_add_subscription_month(ds, &m), CKPI_PARSE_ERROR);
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_FIELD, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "mrr") == 0);

    ckpi_program_cost c = program_cost_defaults();
    c.partner_id = CKPI_STR("P1");
    c.period = CKPI_STR("2025-Q5");
    c.amount = CKPI_STR("10");
    c.currency = CKPI_STR("USD");
    CHECK_STATUS(ckpi_dataset_add_program_cost(ds, &c), CKPI_PARSE_ERROR);
    CHECK_OK(ckpi_dataset_last_error(ds, CKPI_ERROR_VALUE, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "2025-Q5") == 0);
    c.period = CKPI_STR("2025-Q1");
    c.kind = 4; /* not a cost kind */
    CHECK_STATUS(ckpi_dataset_add_program_cost(ds, &c), CKPI_INVALID_ARGUMENT);

    ckpi_course_attendance a = course_attendance_defaults();
    a.partner_id = CKPI_STR("P1");
    a.attended_on = day("2025-01-01");
    CHECK_STATUS(ckpi_dataset_add_course_attendance(ds, &a), CKPI_MISSING_VALUE); /* no course */
    ckpi_usage u = usage_defaults();
    u.account_id = CKPI_STR("A1");
    CHECK_STATUS(ckpi_dataset_add_usage(ds, &u), CKPI_MISSING_VALUE); /* no month */
    ckpi_dataset_free(ds);
}

int main(void) {
    program_records();
    nulls();
    invalid_utf8();
    dates();
    bad_values();
    mixed_currencies();
    buffers_and_accessors();
    stale_handles();
    stale_handle_does_not_alias();
    return check_summary();
}
