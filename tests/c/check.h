/* A tiny test harness for the C tests: CHECK counts passes and failures, check_summary prints
 * the final "N passed, M failed" line and gives the exit code. */
#ifndef CKPI_TEST_CHECK_H
#define CKPI_TEST_CHECK_H
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "channel_kpi.h"

/* Test shorthand: a record as ckpi_<kind>_init(&x, sizeof x) leaves it (the defaults). */
#define CKPI_TEST_DEFAULTS(kind)                      \
    static inline ckpi_##kind kind##_defaults(void) { \
        ckpi_##kind v;                                \
        ckpi_##kind##_init(&v, sizeof v);             \
        return v;                                     \
    }
CKPI_TEST_DEFAULTS(deal)
CKPI_TEST_DEFAULTS(lead)
CKPI_TEST_DEFAULTS(partner)
CKPI_TEST_DEFAULTS(org_unit)
CKPI_TEST_DEFAULTS(target)
CKPI_TEST_DEFAULTS(spend)
CKPI_TEST_DEFAULTS(stage_def)
CKPI_TEST_DEFAULTS(fx_rate)
CKPI_TEST_DEFAULTS(course_attendance)
CKPI_TEST_DEFAULTS(survey)
CKPI_TEST_DEFAULTS(program_cost)
CKPI_TEST_DEFAULTS(subscription_month)
CKPI_TEST_DEFAULTS(contract)
CKPI_TEST_DEFAULTS(ticket)
CKPI_TEST_DEFAULTS(onboarding)
CKPI_TEST_DEFAULTS(engagement)
CKPI_TEST_DEFAULTS(referral)
CKPI_TEST_DEFAULTS(usage)
CKPI_TEST_DEFAULTS(load_options)

static int check_passed = 0, check_failed = 0;

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (cond) {                                                                 \
            check_passed++;                                                         \
        } else {                                                                    \
            check_failed++;                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                           \
    } while (0)

#define CHECK_STATUS(expr, expected)                                                        \
    do {                                                                                    \
        ckpi_status s_ = (expr);                                                            \
        if (s_ == (expected)) {                                                             \
            check_passed++;                                                                 \
        } else {                                                                            \
            check_failed++;                                                                 \
            fprintf(stderr, "%s:%d: %s returned %u, expected %s (%u)\n", __FILE__, __LINE__, \
                    #expr, (unsigned)s_, #expected, (unsigned)(expected));                  \
        }                                                                                   \
    } while (0)

#define CHECK_OK(expr) CHECK_STATUS(expr, CKPI_OK)

static inline int check_summary(void) {
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed == 0 ? 0 : 1;
}

/* Days since 1970-01-01 of an ISO date string "YYYY-MM-DD" (test data only). */
static inline int32_t day(const char *iso) {
    int y, m, d;
    int32_t out = CKPI_DATE_NONE;
    if (sscanf(iso, "%d-%d-%d", &y, &m, &d) != 3 || ckpi_date_from_ymd(y, (uint32_t)m, (uint32_t)d, &out) != CKPI_OK) {
        fprintf(stderr, "bad test date %s\n", iso);
    }
    return out;
}

/* A ckpi_str of a NUL-terminated string. */
static inline ckpi_str str(const char *s) {
    ckpi_str r = {s, s ? strlen(s) : 0};
    return r;
}

/* Column index by name, or (size_t)-1. */
static inline size_t col(const ckpi_result *r, const char *name) {
    size_t i = (size_t)-1;
    if (ckpi_result_column_index(r, name, strlen(name), &i) != CKPI_OK) {
        fprintf(stderr, "no column %s\n", name);
        return (size_t)-1;
    }
    return i;
}

/* The decimal cell as text in a static buffer ("" when unreadable). */
static inline const char *dec(const ckpi_result *r, size_t row, const char *name) {
    static char buf[64];
    size_t n = 0;
    if (ckpi_result_get_decimal(r, row, col(r, name), buf, sizeof buf, &n) != CKPI_OK) {
        return "";
    }
    return buf;
}

static inline int64_t int_at(const ckpi_result *r, size_t row, const char *name) {
    int64_t v = -999;
    ckpi_result_get_int(r, row, col(r, name), &v);
    return v;
}

static inline double float_at(const ckpi_result *r, size_t row, const char *name) {
    double v = -999.0;
    ckpi_result_get_float(r, row, col(r, name), &v);
    return v;
}
#endif
