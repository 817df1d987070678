/* ABI compatibility across releases. Compiled three times by scripts/ci/c.sh and run against
 * the SAME installed library, plainly, under valgrind and under ASan:
 *  - with include/channel_kpi.h (this release);
 *  - with the "prev" header (tests/c/abi_variant_header.py: ckpi_deal, ckpi_lead and
 *    ckpi_load_options one field shorter, as an older release's program has them): init writes
 *    only the program's bytes, pushes read only them, missing fields take their defaults, and
 *    everything works;
 *  - with the "next" header (one field more, as a newer release's program has them): init and
 *    the pushers answer CKPI_STRUCT_TOO_NEW naming the record and `struct_size`.
 * Every struct lives in a heap block of exactly its size, so valgrind and ASan flag a single
 * byte read or written past it. */
#include <stdlib.h>

#include "check.h"

static char buf[512];

/* A small directory of CRM files (2 deals), from the repository root. */
#define CASE_DIR "tests/bad_inputs/cases/csv_crlf"

static const char *err(const ckpi_dataset *ds, uint32_t part) {
    size_t n = 0;
    if (ckpi_dataset_last_error(ds, part, buf, sizeof buf, &n) != CKPI_OK) buf[0] = 0;
    return buf;
}

static void deals_and_leads(void) {
    ckpi_dataset *ds = NULL;
    CHECK_OK(ckpi_dataset_new(&ds));
    ckpi_deal *d = malloc(sizeof *d);
    ckpi_lead *l = malloc(sizeof *l);
    memset(d, 0x5a, sizeof *d);
#ifdef CKPI_ABI_TEST_NEXT
    CHECK_STATUS(ckpi_deal_init(d, sizeof *d), CKPI_STRUCT_TOO_NEW);
    CHECK(((unsigned char *)d)[0] == 0x5a); /* nothing written */
    memset(d, 0, sizeof *d);
    d->struct_size = (uint32_t)sizeof *d;
    d->id = CKPI_STR("N1");
    d->created_on = day("2025-01-02");
    d->closed_on = d->registered_on = d->expected_close_on = CKPI_DATE_NONE;
    CHECK_STATUS(ckpi_dataset_add_deal(ds, d), CKPI_STRUCT_TOO_NEW);
    CHECK(strcmp(err(ds, CKPI_ERROR_RECORD), "deal") == 0);
    CHECK(strcmp(err(ds, CKPI_ERROR_FIELD), "struct_size") == 0);
    CHECK(strcmp(err(ds, CKPI_ERROR_KIND), "version") == 0);
    CHECK(strstr(err(ds, CKPI_ERROR_MESSAGE), "newer") != NULL);
    CHECK_STATUS(ckpi_lead_init(l, sizeof *l), CKPI_STRUCT_TOO_NEW);
#else
    CHECK_OK(ckpi_deal_init(d, sizeof *d));
    CHECK(d->struct_size == sizeof *d);
    CHECK(d->closed_on == CKPI_DATE_NONE && d->registered_on == CKPI_DATE_NONE && d->id.ptr == NULL);
    d->id = CKPI_STR("P1");
    d->status = CKPI_DEAL_WON;
    d->created_on = day("2025-01-02");
    d->closed_on = day("2025-02-03");
    d->amount = CKPI_STR("123.45");
    d->currency = CKPI_STR("USD");
    d->partner_id = CKPI_STR("acme");
    CHECK_OK(ckpi_dataset_add_deal(ds, d));
    CHECK_OK(ckpi_lead_init(l, sizeof *l));
    l->id = CKPI_STR("L1");
    l->created_on = day("2025-01-01");
    l->deal_id = CKPI_STR("P1");
    CHECK_OK(ckpi_dataset_add_lead(ds, l));
    /* The deal went in whole; fields the program's header lacks took their defaults. */
    size_t n = 0;
    CHECK_OK(ckpi_dataset_to_json(ds, NULL, 0, &n));
    char *json = malloc(n + 1);
    CHECK_OK(ckpi_dataset_to_json(ds, json, n + 1, &n));
    CHECK(strstr(json, "\"P1\"") && strstr(json, "123.45") && strstr(json, "\"acme\""));
    CHECK(strstr(json, "\"registration_status\":\"") == NULL); /* none given: the default */
    free(json);
    ckpi_query *q = NULL;
    ckpi_result *r = NULL;
    CHECK_OK(ckpi_query_new(&q));
    CHECK_OK(ckpi_query_add_metric(q, "won_revenue", 11));
    CHECK_OK(ckpi_query_set_period(q, "2025", 4));
    CHECK_OK(ckpi_dataset_run(ds, q, &r));
    CHECK(r && strcmp(dec(r, 0, "won_revenue"), "123.45") == 0);
    ckpi_result_free(r);
    ckpi_query_free(q);
#endif
    /* Never initialised (struct_size 0): a clear status, not a guess. */
    memset(d, 0, sizeof *d);
    CHECK_STATUS(ckpi_dataset_add_deal(ds, d), CKPI_INVALID_ARGUMENT);
    CHECK(strcmp(err(ds, CKPI_ERROR_FIELD), "struct_size") == 0);
    CHECK_STATUS(ckpi_deal_init(d, 2), CKPI_INVALID_ARGUMENT);
    CHECK_STATUS(ckpi_deal_init(NULL, sizeof *d), CKPI_NULL_ARGUMENT);
    free(d);
    free(l);
    ckpi_dataset_free(ds);
}

static void load_options(void) {
    ckpi_dataset *ds = NULL;
    CHECK_OK(ckpi_dataset_new(&ds));
    ckpi_load_options *o = malloc(sizeof *o);
#ifdef CKPI_ABI_TEST_NEXT
    CHECK_STATUS(ckpi_load_options_init(o, sizeof *o), CKPI_STRUCT_TOO_NEW);
    memset(o, 0, sizeof *o);
    o->struct_size = (uint32_t)sizeof *o;
    CHECK_STATUS(ckpi_dataset_load_dir(ds, CASE_DIR, strlen(CASE_DIR), NULL, 0, o), CKPI_STRUCT_TOO_NEW);
    CHECK(strcmp(err(ds, CKPI_ERROR_RECORD), "load options") == 0);
#else
    CHECK_OK(ckpi_load_options_init(o, sizeof *o));
    CHECK(o->struct_size == sizeof *o && o->collect_errors == 0);
    CHECK_OK(ckpi_dataset_load_dir(ds, CASE_DIR, strlen(CASE_DIR), NULL, 0, o));
#endif
    free(o);
    ckpi_dataset_free(ds);
}

/* Every other struct's init writes exactly the bytes asked for. */
#define INIT_EXACT(kind)                                  \
    do {                                                  \
        ckpi_##kind *p = malloc(sizeof(ckpi_##kind));     \
        CHECK_OK(ckpi_##kind##_init(p, sizeof *p));       \
        CHECK(p->struct_size == sizeof *p);               \
        free(p);                                          \
    } while (0)

static void every_init(void) {
    INIT_EXACT(partner);
    INIT_EXACT(org_unit);
    INIT_EXACT(target);
    INIT_EXACT(spend);
    INIT_EXACT(stage_def);
    INIT_EXACT(fx_rate);
    INIT_EXACT(course_attendance);
    INIT_EXACT(survey);
    INIT_EXACT(program_cost);
    INIT_EXACT(subscription_month);
    INIT_EXACT(ticket);
    INIT_EXACT(onboarding);
    INIT_EXACT(engagement);
    INIT_EXACT(referral);
    INIT_EXACT(usage);
    /* A prefix is fine too: an init never writes past the size it is given. */
    unsigned char *half = malloc(sizeof(ckpi_partner) / 2);
    CHECK_OK(ckpi_partner_init((ckpi_partner *)(void *)half, sizeof(ckpi_partner) / 2));
    free(half);
}

int main(void) {
    deals_and_leads();
    load_options();
    every_init();
    return check_summary();
}
