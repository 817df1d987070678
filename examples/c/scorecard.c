/* A partner scorecard from C: push deals, ask for won revenue, average deal size and close rate
 * per partner for 2025-Q1, print the table. Build (after ./scripts/install-c.sh PREFIX):
 *
 *   export PKG_CONFIG_PATH=PREFIX/lib/pkgconfig
 *   gcc scorecard.c $(pkg-config --cflags --libs channel-kpi) -o scorecard      # shared
 *   gcc scorecard.c $(pkg-config --cflags channel-kpi) \
 *       $(pkg-config --variable=static_libs channel-kpi) -o scorecard            # static
 */
#include <stdio.h>
#include <string.h>

#include "channel_kpi.h"

/* Prints the failing call's status message and the dataset's error detail, returns 1. */
static int report(ckpi_status s, const ckpi_dataset *ds, const char *what) {
    char msg[512];
    size_t n = 0;
    ckpi_status_message(s, msg, sizeof msg, &n);
    fprintf(stderr, "%s: %s\n", what, msg);
    if (ds && ckpi_dataset_last_error(ds, CKPI_ERROR_MESSAGE, msg, sizeof msg, &n) == CKPI_OK)
        fprintf(stderr, "  %s\n", msg);
    return 1;
}

static int32_t day(int y, unsigned m, unsigned d) {
    int32_t out = CKPI_DATE_NONE;
    ckpi_date_from_ymd(y, m, d, &out);
    return out;
}

int main(void) {
    static const struct {
        const char *id, *partner;
        uint32_t status;
        unsigned close_month, close_day;
        const char *amount;
    } deals[] = {
        {"D1", "acme", CKPI_DEAL_WON, 2, 1, "200.00"}, {"D2", "acme", CKPI_DEAL_LOST, 2, 15, NULL},
        {"D3", "acme", CKPI_DEAL_WON, 3, 1, "100.00"}, {"D4", "bolt", CKPI_DEAL_WON, 3, 10, "400.00"},
        {"D5", "bolt", CKPI_DEAL_LOST, 3, 20, NULL},
    };
    ckpi_dataset *ds = NULL;
    ckpi_query *q = NULL;
    ckpi_result *r = NULL;
    ckpi_status s;
    int rc = 0;
    if ((s = ckpi_dataset_new(&ds)) != CKPI_OK) return report(s, NULL, "ckpi_dataset_new");
    for (size_t i = 0; i < sizeof deals / sizeof deals[0]; i++) {
        ckpi_deal d;
        ckpi_deal_init(&d, sizeof d); /* struct_size = sizeof d; optional dates = CKPI_DATE_NONE */
        d.id = (ckpi_str){deals[i].id, strlen(deals[i].id)};
        d.partner_id = (ckpi_str){deals[i].partner, strlen(deals[i].partner)};
        d.status = deals[i].status;
        d.created_on = day(2025, 1, 10);
        d.closed_on = day(2025, deals[i].close_month, deals[i].close_day);
        if (deals[i].amount) {
            d.amount = (ckpi_str){deals[i].amount, strlen(deals[i].amount)};
            d.currency = CKPI_STR("USD");
        }
        if ((s = ckpi_dataset_add_deal(ds, &d)) != CKPI_OK) {
            rc = report(s, ds, "ckpi_dataset_add_deal");
            goto done;
        }
    }
    if ((s = ckpi_query_new(&q)) != CKPI_OK) {
        rc = report(s, NULL, "ckpi_query_new");
        goto done;
    }
    ckpi_query_add_metric(q, "won_revenue", strlen("won_revenue"));
    ckpi_query_add_metric(q, "avg_deal_size", strlen("avg_deal_size"));
    ckpi_query_add_metric(q, "close_rate", strlen("close_rate"));
    ckpi_query_add_group_by(q, "partner", strlen("partner"));
    ckpi_query_set_period(q, "2025-Q1", strlen("2025-Q1"));
    if ((s = ckpi_dataset_run(ds, q, &r)) != CKPI_OK) {
        rc = report(s, ds, "ckpi_dataset_run");
        goto done;
    }

    size_t rows = 0, c_partner = 0, c_rev = 0, c_avg = 0, c_rate = 0, n = 0;
    char currency[8] = "";
    ckpi_result_row_count(r, &rows);
    ckpi_result_column_index(r, "partner", 7, &c_partner);
    ckpi_result_column_index(r, "won_revenue", 11, &c_rev);
    ckpi_result_column_index(r, "avg_deal_size", 13, &c_avg);
    ckpi_result_column_index(r, "close_rate", 10, &c_rate);
    ckpi_result_currency(r, currency, sizeof currency, &n);
    printf("%-10s %14s %14s %10s\n", "partner", "won_revenue", "avg_deal_size", "close_rate");
    for (size_t i = 0; i < rows; i++) {
        char partner[64] = "(direct)", rev[64] = "-", avg[64] = "-", rate[32] = "-";
        double x = 0;
        ckpi_result_get_text(r, i, c_partner, partner, sizeof partner, &n);
        ckpi_result_get_decimal(r, i, c_rev, rev, sizeof rev, &n); /* exact decimal text */
        ckpi_result_get_decimal(r, i, c_avg, avg, sizeof avg, &n);
        if (ckpi_result_get_float(r, i, c_rate, &x) == CKPI_OK) snprintf(rate, sizeof rate, "%.1f%%", 100 * x);
        printf("%-10s %10s %s %10s %s %10s\n", partner, rev, currency, avg, currency, rate);
    }
done:
    ckpi_result_free(r);
    ckpi_query_free(q);
    ckpi_dataset_free(ds);
    return rc;
}
