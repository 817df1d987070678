/* (a) The article's worked example and a grouped partner scorecard, pushed as C structs. */
#include "check.h"

static void add_deal(ckpi_dataset *ds, const char *id, const char *partner, uint32_t status, const char *created,
                     const char *closed, const char *amount) {
    ckpi_deal d = deal_defaults();
    d.id = str(id);
    d.partner_id = str(partner);
    d.status = status;
    d.created_on = day(created);
    d.closed_on = closed ? day(closed) : CKPI_DATE_NONE;
    d.amount = str(amount);
    d.currency = CKPI_STR("USD");
    CHECK_OK(ckpi_dataset_add_deal(ds, &d));
}

/* "Average deal size over the last 15 days": deals A ($200) and B ($400) won inside
 * [2025-06-16, 2025-07-01), C ($10,000) won on 2025-06-15, one day before → (200+400)/2 = $300. */
static void article_example(void) {
    ckpi_dataset *ds = NULL;
    ckpi_query *q = NULL;
    ckpi_result *r = NULL;
    CHECK_OK(ckpi_dataset_new(&ds));
    add_deal(ds, "A", NULL, CKPI_DEAL_WON, "2025-05-01", "2025-06-20", "200");
    add_deal(ds, "B", NULL, CKPI_DEAL_WON, "2025-05-01", "2025-06-29", "400.00");
    add_deal(ds, "C", NULL, CKPI_DEAL_WON, "2025-05-01", "2025-06-15", "10000");
    CHECK_OK(ckpi_query_new(&q));
    CHECK_OK(ckpi_query_add_metric(q, "avg_deal_size", 13));
    CHECK_OK(ckpi_query_add_metric(q, "deal_count", 10));
    CHECK_OK(ckpi_query_set_last_days(q, 15, day("2025-06-30")));
    CHECK_OK(ckpi_dataset_run(ds, q, &r));

    size_t rows = 0;
    CHECK_OK(ckpi_result_row_count(r, &rows));
    CHECK(rows == 1);
    CHECK(strcmp(dec(r, 0, "avg_deal_size"), "300") == 0);
    int64_t mantissa = 0;
    uint32_t scale = 9;
    CHECK_OK(ckpi_result_get_decimal_parts(r, 0, col(r, "avg_deal_size"), &mantissa, &scale));
    CHECK(mantissa == 300 && scale == 0);
    CHECK(int_at(r, 0, "won_count") == 2);
    char cur[8];
    size_t n = 0;
    CHECK_OK(ckpi_result_currency(r, cur, sizeof cur, &n));
    CHECK(n == 3 && strcmp(cur, "USD") == 0);
    int32_t start = 0, end = 0;
    CHECK_OK(ckpi_result_get_date(r, 0, col(r, "period_start"), &start));
    CHECK_OK(ckpi_result_get_date(r, 0, col(r, "period_end"), &end));
    CHECK(start == day("2025-06-16") && end == day("2025-07-01"));
    uint32_t kind = 99;
    CHECK_OK(ckpi_result_column_kind(r, col(r, "avg_deal_size"), &kind));
    CHECK(kind == CKPI_COLUMN_MONEY);

    ckpi_result_free(r);
    ckpi_query_free(q);
    ckpi_dataset_free(ds);
}

/* Partner scorecard for 2025-Q1, grouped by partner:
 *   acme: won 200 (02-01) and 100 (03-01), lost 1 (02-15) → won_revenue 300, avg 150,
 *         close_rate 2/3 = 0.666…
 *   bolt: won 400 (03-10), lost 1 (03-20)               → won_revenue 400, avg 400, close_rate 1/2
 *   direct (no partner): one open deal                  → nothing closed: close_rate and
 *         avg_deal_size absent (never 0). */
static void grouped_scorecard(void) {
    ckpi_dataset *ds = NULL;
    ckpi_query *q = NULL;
    ckpi_result *r = NULL;
    CHECK_OK(ckpi_dataset_new(&ds));
    ckpi_partner p = partner_defaults();
    p.id = CKPI_STR("acme");
    p.tier = CKPI_STR("gold");
    CHECK_OK(ckpi_dataset_add_partner(ds, &p));
    p.id = CKPI_STR("bolt");
    p.tier = CKPI_STR("silver");
    CHECK_OK(ckpi_dataset_add_partner(ds, &p));
    add_deal(ds, "D1", "acme", CKPI_DEAL_WON, "2025-01-10", "2025-02-01", "200");
    add_deal(ds, "D2", "acme", CKPI_DEAL_LOST, "2025-01-10", "2025-02-15", "50");
    add_deal(ds, "D3", "acme", CKPI_DEAL_WON, "2025-01-10", "2025-03-01", "100");
    add_deal(ds, "D4", "bolt", CKPI_DEAL_WON, "2025-01-10", "2025-03-10", "400");
    add_deal(ds, "D5", "bolt", CKPI_DEAL_LOST, "2025-01-10", "2025-03-20", NULL);
    add_deal(ds, "D6", NULL, CKPI_DEAL_OPEN, "2025-01-10", NULL, "75");

    CHECK_OK(ckpi_query_new(&q));
    const char *metrics[] = {"won_revenue", "avg_deal_size", "close_rate", "deal_count"};
    for (size_t i = 0; i < 4; i++) CHECK_OK(ckpi_query_add_metric(q, metrics[i], strlen(metrics[i])));
    CHECK_OK(ckpi_query_add_group_by(q, "partner", 7));
    CHECK_OK(ckpi_query_set_period(q, "2025-Q1", 7));
    CHECK_OK(ckpi_dataset_run(ds, q, &r));

    size_t rows = 0;
    CHECK_OK(ckpi_result_row_count(r, &rows));
    size_t acme = (size_t)-1, bolt = (size_t)-1, direct = (size_t)-1;
    for (size_t i = 0; i < rows; i++) {
        char name[32];
        size_t n = 0;
        ckpi_status s = ckpi_result_get_text(r, i, col(r, "partner"), name, sizeof name, &n);
        if (s == CKPI_VALUE_ABSENT) direct = i;
        else if (s == CKPI_OK && strcmp(name, "acme") == 0) acme = i;
        else if (s == CKPI_OK && strcmp(name, "bolt") == 0) bolt = i;
    }
    CHECK(acme != (size_t)-1 && bolt != (size_t)-1);
    if (acme != (size_t)-1) {
        CHECK(strcmp(dec(r, acme, "won_revenue"), "300") == 0);
        CHECK(strcmp(dec(r, acme, "avg_deal_size"), "150") == 0);
        CHECK(fabs(float_at(r, acme, "close_rate") - 2.0 / 3.0) < 1e-12);
        CHECK(int_at(r, acme, "won_count") == 2 && int_at(r, acme, "lost_count") == 1);
    }
    if (bolt != (size_t)-1) {
        CHECK(strcmp(dec(r, bolt, "won_revenue"), "400") == 0);
        CHECK(strcmp(dec(r, bolt, "avg_deal_size"), "400") == 0);
        CHECK(float_at(r, bolt, "close_rate") == 0.5);
    }
    if (direct != (size_t)-1) {
        double rate = -1.0;
        CHECK_STATUS(ckpi_result_get_float(r, direct, col(r, "close_rate"), &rate), CKPI_VALUE_ABSENT);
        CHECK(rate == -1.0); /* not written */
        uint32_t absent = 0;
        CHECK_OK(ckpi_result_is_absent(r, direct, col(r, "avg_deal_size"), &absent));
        CHECK(absent == 1);
    }
    /* The whole table as CSV: ask for the size, then copy. */
    size_t need = 0, wrote = 0;
    CHECK_OK(ckpi_result_to_csv(r, NULL, 0, &need));
    char csv[4096];
    CHECK(need < sizeof csv);
    CHECK_OK(ckpi_result_to_csv(r, csv, sizeof csv, &wrote));
    CHECK(wrote == need && strncmp(csv, "partner,", 8) == 0);

    ckpi_result_free(r);
    ckpi_query_free(q);
    ckpi_dataset_free(ds);
}

/* The same article example through the JSON entry points (what vendors with JSON exports use),
 * loaded in two documents to exercise appending. */
static void json_entry_points(void) {
    const char *part1 = "{\"deals\": [{\"id\": \"A\", \"status\": \"won\", \"created_on\": \"2025-05-01\","
                        " \"closed_on\": \"2025-06-20\", \"amount\": {\"amount\": \"200\", \"currency\": \"USD\"}}]}";
    const char *part2 = "{\"deals\": [{\"id\": \"B\", \"status\": \"won\", \"created_on\": \"2025-05-01\","
                        " \"closed_on\": \"2025-06-29\", \"amount\": {\"amount\": \"400\", \"currency\": \"USD\"}}]}";
    const char *query = "{\"metrics\": [\"avg_deal_size\"], \"period\": \"2025-06-16..2025-07-01\"}";
    ckpi_dataset *ds = NULL;
    ckpi_query *q = NULL;
    ckpi_result *r = NULL;
    CHECK_OK(ckpi_dataset_new(&ds));
    CHECK_OK(ckpi_dataset_load_json(ds, part1, strlen(part1)));
    CHECK_OK(ckpi_dataset_load_json(ds, part2, strlen(part2)));
    CHECK_OK(ckpi_query_new(&q));
    CHECK_OK(ckpi_query_from_json(q, query, strlen(query)));
    CHECK_OK(ckpi_dataset_run(ds, q, &r));
    CHECK(strcmp(dec(r, 0, "avg_deal_size"), "300") == 0);
    ckpi_result_free(r);
    ckpi_query_free(q);
    ckpi_dataset_free(ds);
}

static void version_matches_header(void) {
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", CKPI_VERSION_MAJOR, CKPI_VERSION_MINOR, CKPI_VERSION_PATCH);
    CHECK(strcmp(ckpi_version(), expected) == 0);
}

/* Partner cohorts by first win (option cohort_by, set by name as for every KPI option): P1
 * joined 2024-05-01, lost a deal in 2024, first won 100 on 2025-02-10, then 300 on 05-05. In
 * the first half of 2025, by join quarter: no cohort; by first win: cohort 2025-Q1 = {P1},
 * age 0 revenue 100, age 1 (Q2) revenue 300, retention 3 (tests/golden has the full case). */
static void partner_cohorts_by_first_win(void) {
    ckpi_dataset *ds = NULL;
    ckpi_query *q = NULL;
    ckpi_result *r = NULL;
    CHECK_OK(ckpi_dataset_new(&ds));
    ckpi_partner p = partner_defaults();
    p.id = CKPI_STR("P1");
    p.joined_on = day("2024-05-01");
    CHECK_OK(ckpi_dataset_add_partner(ds, &p));
    add_deal(ds, "D0", "P1", CKPI_DEAL_LOST, "2024-08-01", "2024-10-01", "40");
    add_deal(ds, "D1", "P1", CKPI_DEAL_WON, "2024-12-01", "2025-02-10", "100");
    add_deal(ds, "D5", "P1", CKPI_DEAL_WON, "2025-03-01", "2025-05-05", "300");
    CHECK_OK(ckpi_query_new(&q));
    CHECK_OK(ckpi_query_add_metric(q, "partner_cohorts", 15));
    CHECK_OK(ckpi_query_set_period(q, "2025-01-01..2025-07-01", 22));
    size_t rows = 9;
    CHECK_OK(ckpi_dataset_run(ds, q, &r));
    CHECK_OK(ckpi_result_row_count(r, &rows));
    CHECK(rows == 0);
    ckpi_result_free(r);
    CHECK_STATUS(ckpi_query_set_option(q, "cohort_by", 9, "first_winner", 12), CKPI_QUERY_ERROR);
    CHECK_OK(ckpi_query_set_option(q, "cohort_by", 9, "first_won", 9));
    CHECK_OK(ckpi_dataset_run(ds, q, &r));
    CHECK_OK(ckpi_result_row_count(r, &rows));
    CHECK(rows == 2);
    int32_t cohort = 0;
    CHECK_OK(ckpi_result_get_date(r, 1, col(r, "cohort"), &cohort));
    CHECK(cohort == day("2025-01-01") && int_at(r, 1, "age") == 1 && int_at(r, 1, "cohort_size") == 1);
    CHECK(strcmp(dec(r, 0, "revenue"), "100") == 0 && strcmp(dec(r, 1, "revenue"), "300") == 0);
    CHECK(strcmp(dec(r, 1, "revenue_retention"), "3") == 0);
    ckpi_result_free(r);
    ckpi_query_free(q);
    ckpi_dataset_free(ds);
}

int main(void) {
    article_example();
    grouped_scorecard();
    json_entry_points();
    version_matches_header();
    partner_cohorts_by_first_win();
    return check_summary();
}
