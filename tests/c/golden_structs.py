"""C code that pushes a golden vector's dataset through the typed C structs (ckpi_deal,
ckpi_survey, …) instead of ckpi_dataset_load_json, so every golden vector checks both ways in.

`push_function(name, dataset)` returns the source of `static ckpi_status NAME(ckpi_dataset *ds)`,
or None when the dataset holds something the structs cannot express (an impossible date, an
unknown code, an unknown field): the JSON path still covers those cases.
"""
import datetime
import json

EPOCH = datetime.date(1970, 1, 1)


class Unsupported(Exception):
    """The value has no C-struct form."""


def cstr(text) -> str:
    """A ckpi_str initializer `{"…", N}` (N = UTF-8 byte count), octal-escaping non-ASCII."""
    if not isinstance(text, str):
        raise Unsupported(f"not a string: {text!r}")
    raw = text.encode("utf-8")
    body = ""
    for b in raw:
        ch = chr(b)
        if ch in '"\\?':
            body += "\\" + ch
        elif 0x20 <= b < 0x7F:
            body += ch
        else:
            body += "\\%03o" % b
    return '{"%s", %d}' % (body, len(raw))


def day(text) -> str:
    try:
        return str((datetime.date.fromisoformat(text) - EPOCH).days)
    except (TypeError, ValueError) as e:
        raise Unsupported(f"date {text!r}") from e


def code(table):
    def conv(v):
        if v not in table:
            raise Unsupported(f"code {v!r}")
        return str(table[v])

    return conv


def uint(v) -> str:
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < 2**32:
        raise Unsupported(f"uint {v!r}")
    return f"{v}u"


def flag(v) -> str:
    if not isinstance(v, bool):
        raise Unsupported(f"flag {v!r}")
    return "1u" if v else "0u"


STAGE_BITS = ["lead_generation", "qualification", "value_demonstration", "guidance", "value_delivery"]


def bits(v) -> str:
    if not isinstance(v, list) or any(s not in STAGE_BITS for s in v):
        raise Unsupported(f"partner_stages {v!r}")
    return f"{sum(1 << STAGE_BITS.index(s) for s in set(v))}u"


CHANNEL = {None: 0, "paid": 1, "earned": 2, "owned": 3}
S, D = cstr, day
# JSON field → (C field, converter); "money" fields map {"amount", "currency"} onto that field and
# the struct's `currency`, "history" and "attrs" onto a local array plus its length.
KINDS = {
    "deals": ("ckpi_deal", "ckpi_dataset_add_deal", {
        "id": ("id", S), "status": ("status", code({"open": 0, "won": 1, "lost": 2})),
        "created_on": ("created_on", D), "closed_on": ("closed_on", D), "registered_on": ("registered_on", D),
        "expected_close_on": ("expected_close_on", D), "amount": ("amount", "money"),
        "partner_id": ("partner_id", S), "owner_id": ("owner_id", S), "channel": ("channel", code(CHANNEL)),
        "source": ("source", S), "product": ("product", S),
        "kind": ("kind", code({"new": 0, "upsell": 1, "renewal": 2})), "lost_reason": ("lost_reason", S),
        "stage": ("stage", S), "partner_stages": ("partner_stages", bits), "stage_history": ("stage_history", "history"),
        "attrs": ("attrs", "attrs"),
        "registration_status": ("registration_status", code({None: 0, "pending": 1, "approved": 2, "rejected": 3})),
    }),
    "leads": ("ckpi_lead", "ckpi_dataset_add_lead", {
        "id": ("id", S), "created_on": ("created_on", D), "channel": ("channel", code(CHANNEL)),
        "source": ("source", S), "partner_id": ("partner_id", S), "deal_id": ("deal_id", S),
        "won_on": ("won_on", D), "attrs": ("attrs", "attrs"),
    }),
    "partners": ("ckpi_partner", "ckpi_dataset_add_partner", {
        "id": ("id", S), "name": ("name", S), "tier": ("tier", S), "region": ("region", S),
        "org_unit": ("org_unit", S), "joined_on": ("joined_on", D), "left_on": ("left_on", D),
    }),
    "org_units": ("ckpi_org_unit", "ckpi_dataset_add_org_unit", {
        "id": ("id", S), "name": ("name", S), "level": ("level", S), "parent_id": ("parent_id", S),
    }),
    "targets": ("ckpi_target", "ckpi_dataset_add_target", {
        "dimension": ("dimension", S), "key": ("key", S), "period": ("period", S), "amount": ("amount", "money"),
    }),
    "spend": ("ckpi_spend", "ckpi_dataset_add_spend", {
        "channel": ("channel", code(CHANNEL)), "source": ("source", S), "spent_on": ("spent_on", D),
        "amount": ("amount", "money"),
    }),
    "pipeline": ("ckpi_stage_def", "ckpi_dataset_add_stage", {
        "name": ("name", S), "probability": ("probability", S), "qualified": ("qualified", flag),
        "outcome": ("outcome", code({None: 0, "won": 1, "lost": 2})),
    }),
    "courses": ("ckpi_course_attendance", "ckpi_dataset_add_course_attendance", {
        "partner_id": ("partner_id", S), "person_id": ("person_id", S), "course_id": ("course_id", S),
        "attended_on": ("attended_on", D), "completed_on": ("completed_on", D), "score": ("score", S),
    }),
    "surveys": ("ckpi_survey", "ckpi_dataset_add_survey", {
        "id": ("id", S), "kind": ("kind", code({"csat": 0, "nps": 1, "partner_satisfaction": 2})),
        "topic": ("topic", code({None: 0, "rewards": 1, "communications": 2, "training": 3, "support": 4, "other": 5})),
        "scale": ("scale", uint), "score": ("score", S), "submitted_on": ("submitted_on", D),
        "respondent": ("respondent", S), "partner_id": ("partner_id", S), "attrs": ("attrs", "attrs"),
    }),
    "program_costs": ("ckpi_program_cost", "ckpi_dataset_add_program_cost", {
        "partner_id": ("partner_id", S), "period": ("period", S),
        "kind": ("kind", code({"other": 0, "mdf": 1, "training": 2, "incentives": 3})), "amount": ("amount", "money"),
    }),
    "subscriptions": ("ckpi_subscription_month", "ckpi_dataset_add_subscription_month", {
        "account_id": ("account_id", S), "month": ("month", D), "mrr": ("mrr", "money"),
        "partner_id": ("partner_id", S), "attrs": ("attrs", "attrs"),
    }),
    "contracts": ("ckpi_contract", "ckpi_dataset_add_contract", {
        "account_id": ("account_id", S), "partner_id": ("partner_id", S), "plan": ("plan", S), "mrr": ("mrr", "money"),
        "started_on": ("started_on", D), "ended_on": ("ended_on", D), "known_until": ("known_until", D),
        "amendments": ("amendments", "amendments"), "attrs": ("attrs", "attrs"),
    }),
    "tickets": ("ckpi_ticket", "ckpi_dataset_add_ticket", {
        "id": ("id", S), "account_id": ("account_id", S), "opened_on": ("opened_on", D),
        "closed_on": ("closed_on", D), "partner_id": ("partner_id", S),
    }),
    "onboarding": ("ckpi_onboarding", "ckpi_dataset_add_onboarding", {
        "account_id": ("account_id", S), "started_on": ("started_on", D), "completed_on": ("completed_on", D),
        "partner_id": ("partner_id", S),
    }),
    "engagement": ("ckpi_engagement", "ckpi_dataset_add_engagement", {
        "account_id": ("account_id", S), "occurred_on": ("occurred_on", D), "kind": ("kind", S),
        "partner_id": ("partner_id", S),
    }),
    "referrals": ("ckpi_referral", "ckpi_dataset_add_referral", {
        "id": ("id", S), "referred_on": ("referred_on", D), "referrer_account_id": ("referrer_account_id", S),
        "partner_id": ("partner_id", S), "referred_account_id": ("referred_account_id", S),
        "converted_on": ("converted_on", D),
    }),
    "usage": ("ckpi_usage", "ckpi_dataset_add_usage", {
        "account_id": ("account_id", S), "month": ("month", D), "active_users": ("active_users", uint),
        "features_used": ("features_used", uint), "partner_id": ("partner_id", S),
    }),
}
PUSH = "        if ((st = {fn}(ds, &r)) != CKPI_OK) return st;"


def record(kind: str, rec) -> list:
    ctype, fn, fields = KINDS[kind]
    if not isinstance(rec, dict):
        raise Unsupported(f"{kind} record {rec!r}")
    pre, body = [], [f"        {ctype} r;", f"        if ((st = {ctype}_init(&r, sizeof r)) != CKPI_OK) return st;"]
    for key, value in rec.items():
        if key not in fields:
            raise Unsupported(f"{kind}.{key}")
        cfield, conv = fields[key]
        if value is None and conv in (S, D, "money", "history", "attrs", "amendments"):
            continue  # absent, as in the struct's default
        if conv == "money":
            if not isinstance(value, dict) or set(value) != {"amount", "currency"}:
                raise Unsupported(f"money {value!r}")
            body.append(f"        r.{cfield} = (ckpi_str){cstr(value['amount'])};")
            body.append(f"        r.currency = (ckpi_str){cstr(value['currency'])};")  # every money struct
        elif conv == "history":
            items = [f"{{{cstr(e['stage'])}, {day(e['entered_on'])}}}" for e in value]
            pre.append(f"        const ckpi_stage_entry history[] = {{{', '.join(items)}}};")
            body.append(f"        r.stage_history = history;\n        r.stage_history_len = {len(items)};")
        elif conv == "amendments":
            items = [f"{{{day(a['on'])}, {cstr(a['mrr'])}}}" for a in value]
            if items:
                pre.append(f"        const ckpi_amendment amendments[] = {{{', '.join(items)}}};")
                body.append(f"        r.amendments = amendments;\n        r.amendments_len = {len(items)};")
        elif conv == "attrs":
            items = [f"{{{cstr(k)}, {cstr(v)}}}" for k, v in value.items()]
            if items:
                pre.append(f"        const ckpi_attr attrs[] = {{{', '.join(items)}}};")
                body.append(f"        r.attrs = attrs;\n        r.attrs_len = {len(items)};")
        else:
            out = conv(value)
            body.append(f"        r.{cfield} = (ckpi_str){out};" if conv is S else f"        r.{cfield} = {out};")
    return ["    {"] + pre + body + [PUSH.format(fn=fn), "    }"]


def push_function(name: str, dataset) -> "str | None":
    """The C pusher for `dataset`, or None when it cannot be expressed as structs."""
    try:
        lines = [f"static ckpi_status {name}(ckpi_dataset *ds) {{", "    ckpi_status st = CKPI_OK;"]
        for kind, value in dataset.items():
            if kind == "fx":
                rule = {"on_or_before": 0, "exact": 1}.get(value.get("rule", "on_or_before"))
                if rule is None or set(value) - {"rule", "rates"}:
                    raise Unsupported(f"fx {json.dumps(value)}")
                lines.append(f"    if ((st = ckpi_dataset_set_fx_rule(ds, {rule}u)) != CKPI_OK) return st;")
                for rate in value.get("rates", []):
                    if set(rate) != {"from", "to", "on", "rate"}:
                        raise Unsupported(f"fx rate {rate!r}")
                    lines += ["    {", "        ckpi_fx_rate r;",
                              "        if ((st = ckpi_fx_rate_init(&r, sizeof r)) != CKPI_OK) return st;",
                              f"        r.from = (ckpi_str){cstr(rate['from'])};", f"        r.to = (ckpi_str){cstr(rate['to'])};",
                              f"        r.on = {day(rate['on'])};", f"        r.rate = (ckpi_str){cstr(rate['rate'])};",
                              PUSH.format(fn="ckpi_dataset_add_fx_rate"), "    }"]
            elif kind in KINDS and isinstance(value, list):
                for rec in value:
                    lines += record(kind, rec)
            else:
                raise Unsupported(kind)
        lines += ["    return st;", "}"]
        return "\n".join(lines)
    except Unsupported:
        return None
