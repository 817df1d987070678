/* Partial results from C: two machines each fold their part of the deals into bytes, the
 * partner records are folded once, and the merged bytes finish exactly like one run; tampered,
 * truncated, foreign-version and twice-merged partials are CKPI_MERGE_ERROR with a message. */
#include "check.h"
#include <stdlib.h>

static void add_deal(ckpi_dataset *ds, const char *id, const char *partner, uint32_t status, const char *closed,
                     const char *amount) {
    ckpi_deal d = deal_defaults();
    d.id = str(id);
    d.partner_id = str(partner);
    d.status = status;
    d.created_on = day("2025-01-10");
    d.closed_on = day(closed);
    d.amount = str(amount);
    d.currency = CKPI_STR("USD");
    CHECK_OK(ckpi_dataset_add_deal(ds, &d));
}

static void add_partners(ckpi_dataset *ds) {
    ckpi_partner p = partner_defaults();
    p.id = CKPI_STR("acme");
    p.tier = CKPI_STR("gold");
    CHECK_OK(ckpi_dataset_add_partner(ds, &p));
    p.id = CKPI_STR("bolt");
    p.tier = CKPI_STR("silver");
    CHECK_OK(ckpi_dataset_add_partner(ds, &p));
}

/* The bytes of one part (malloc'ed; *n = their length). */
static uint8_t *part_bytes(ckpi_dataset *ds, ckpi_query *q, const char *part, size_t *n) {
    *n = 0;
    CHECK_OK(ckpi_dataset_partial(ds, q, part, strlen(part), NULL, 0, n));
    uint8_t *buf = malloc(*n + 1);
    size_t written = 0;
    CHECK_OK(ckpi_dataset_partial(ds, q, part, strlen(part), buf, *n + 1, &written));
    CHECK(written == *n);
    return buf;
}

static int last_error_contains(ckpi_dataset *ds, const char *needle) {
    char msg[512];
    size_t n = 0;
    if (ckpi_dataset_last_error(ds, CKPI_ERROR_MESSAGE, msg, sizeof msg, &n) != CKPI_OK) return 0;
    if (!strstr(msg, needle)) fprintf(stderr, "message: %s\n", msg);
    return strstr(msg, needle) != NULL;
}

int main(void) {
    ckpi_dataset *m1 = NULL, *m2 = NULL, *driver = NULL;
    ckpi_query *q = NULL;
    ckpi_result *r = NULL;
    CHECK_OK(ckpi_dataset_new(&m1));
    CHECK_OK(ckpi_dataset_new(&m2));
    CHECK_OK(ckpi_dataset_new(&driver));
    add_partners(m1);
    add_partners(m2);
    add_partners(driver);
    add_deal(m1, "D1", "acme", CKPI_DEAL_WON, "2025-02-01", "200");
    add_deal(m1, "D2", "acme", CKPI_DEAL_LOST, "2025-02-15", "50");
    add_deal(m2, "D3", "bolt", CKPI_DEAL_WON, "2025-03-10", "400");
    CHECK_OK(ckpi_query_new(&q));
    CHECK_OK(ckpi_query_add_metric(q, "close_rate", 10));
    CHECK_OK(ckpi_query_add_metric(q, "won_revenue", 11));
    CHECK_OK(ckpi_query_add_group_by(q, "partner_tier", 12));
    CHECK_OK(ckpi_query_set_period(q, "2025-Q1", 7));

    size_t n1 = 0, n2 = 0, nr = 0, w = 0;
    uint8_t *p1 = part_bytes(m1, q, "machine-1", &n1);
    uint8_t *p2 = part_bytes(m2, q, "machine-2", &n2);
    CHECK_OK(ckpi_dataset_reference_partial(driver, q, NULL, 0, &nr));
    uint8_t *pr = malloc(nr + 1);
    CHECK_OK(ckpi_dataset_reference_partial(driver, q, pr, nr + 1, &w));

    /* merged and finished with the reference data: gold (acme) 1 of 2, silver (bolt) 1 of 1 */
    const uint8_t *parts[3] = {pr, p1, p2};
    size_t lens[3] = {nr, n1, n2};
    CHECK_OK(ckpi_dataset_finish_partials(driver, parts, lens, 3, &r));
    size_t rows = 0;
    CHECK_OK(ckpi_result_row_count(r, &rows));
    CHECK(rows == 2);
    CHECK(float_at(r, 0, "close_rate") == 0.5);
    CHECK(strcmp(dec(r, 0, "won_revenue"), "200") == 0);
    CHECK(strcmp(dec(r, 1, "won_revenue"), "400") == 0);
    ckpi_result_free(r);
    r = NULL;

    /* a part merged twice */
    const uint8_t *twice[3] = {pr, p1, p1};
    size_t twice_lens[3] = {nr, n1, n1};
    CHECK_STATUS(ckpi_dataset_finish_partials(driver, twice, twice_lens, 3, &r), CKPI_MERGE_ERROR);
    CHECK(last_error_contains(driver, "part \"machine-1\" would be counted twice"));
    /* tampered: one byte of the states changed */
    p2[n2 - 2] ^= 1;
    CHECK_STATUS(ckpi_dataset_finish_partials(driver, parts, lens, 3, &r), CKPI_MERGE_ERROR);
    CHECK(last_error_contains(driver, "corrupted: the checksum"));
    p2[n2 - 2] ^= 1;
    /* truncated */
    size_t short_lens[3] = {nr, n1, n2 - 1};
    CHECK_STATUS(ckpi_dataset_finish_partials(driver, parts, short_lens, 3, &r), CKPI_MERGE_ERROR);
    CHECK(last_error_contains(driver, "truncated"));
    /* another format version */
    p1[8] = 42;
    CHECK_STATUS(ckpi_dataset_finish_partials(driver, parts, lens, 3, &r), CKPI_MERGE_ERROR);
    CHECK(last_error_contains(driver, "format version 42; this build reads version 2"));
    CHECK(r == NULL);
    /* misuse */
    CHECK_STATUS(ckpi_dataset_finish_partials(driver, parts, lens, 0, &r), CKPI_INVALID_ARGUMENT);
    CHECK_STATUS(ckpi_dataset_finish_partials(driver, NULL, lens, 3, &r), CKPI_NULL_ARGUMENT);

    free(p1);
    free(p2);
    free(pr);
    ckpi_query_free(q);
    ckpi_dataset_free(m1);
    ckpi_dataset_free(m2);
    ckpi_dataset_free(driver);
    return check_summary();
}
