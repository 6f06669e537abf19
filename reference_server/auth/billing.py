"""Billing account and invoices, computed from the usage services record (``ctx.usage.record``).

One invoice per calendar month (UTC) with recorded usage, plus the current month's, which stays ``open`` and
grows as usage is recorded; earlier months are ``issued``. Every figure is a sum of recorded quantities times
the price list below: nothing is estimated or random.
"""

from __future__ import annotations

import calendar
import hashlib
import math
import time
from typing import Any

from reference_server.auth.common import BILLING
from reference_server.errors import not_found
from reference_server.platform.core import Call, Reply, handler
from reference_server.platform.usage import period_of

# Minor units per unit of a metric (paise / cents). Metrics are matched by their longest listed prefix;
# API requests are metered for transparency but free.
PRICES_MINOR: dict[str, dict[str, int]] = {
    "INR": {
        "api-requests": 0,
        "instance-seconds": 1,
        "volume-gib-hours": 1,
        "snapshot-gib-hours": 1,
        "storage-gib-hours": 1,
        "": 1,
    },
    "USD": {
        "api-requests": 0,
        "instance-seconds": 1,
        "volume-gib-hours": 1,
        "snapshot-gib-hours": 1,
        "storage-gib-hours": 1,
        "": 1,
    },
}
_MAX_LINES = 100


def _price(currency: str, metric: str) -> int:
    table = PRICES_MINOR[currency]
    return table[max((p for p in table if metric.startswith(p)), key=len)]


def _period_bounds(period: str) -> tuple[str, str]:
    year, month = (int(x) for x in period.split("-"))
    next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    start = calendar.timegm((year, month, 1, 0, 0, 0))
    end = calendar.timegm((next_year, next_month, 1, 0, 0, 0))
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return time.strftime(fmt, time.gmtime(start)), time.strftime(fmt, time.gmtime(end))


def invoice_id(account_id: str, period: str) -> str:
    # Derived, so an invoice keeps its id across requests without storing anything but usage.
    return "inv-" + hashlib.sha256(f"{account_id}:{period}".encode()).hexdigest()[:16]


def invoices(call: Call) -> list[dict[str, Any]]:
    """The account's invoices, oldest first (``_seq`` is the period as YYYYMM, for pagination)."""
    account_id = call.principal.account_id
    billing = call.ctx.store.get(BILLING, account_id)
    currency = billing["currency"] if billing else "INR"
    current = period_of(call.ctx.clock())
    rows: dict[str, list[dict[str, Any]]] = {current: []}
    for usage in call.ctx.usage.totals(account_id):
        rows.setdefault(usage["period"], []).append(usage)
    result = []
    for period in sorted(rows):
        lines = []
        for usage in rows[period][:_MAX_LINES]:
            quantity = math.ceil(usage["quantity"])
            price = _price(currency, usage["metric"])
            lines.append(
                {
                    "service": usage["service"],
                    "metric": usage["metric"][:64],
                    "quantity": quantity,
                    "unit_price_minor": price,
                    "amount_minor": quantity * price,
                }
            )
        start, end = _period_bounds(period)
        result.append(
            {
                "id": invoice_id(account_id, period),
                "account_id": account_id,
                "period_start": start,
                "period_end": end,
                "status": "open" if period == current else "issued",
                "currency": currency,
                "lines": lines,
                "total_minor": sum(line["amount_minor"] for line in lines),
                "_seq": int(period.replace("-", "")),
            }
        )
    return result


def _account_view(call: Call, billing: dict[str, Any]) -> dict[str, Any]:
    due = sum(inv["total_minor"] for inv in invoices(call))
    keys = ("account_id", "billing_email", "currency", "created_at")
    return {k: billing[k] for k in keys} | {"balance_due_minor": due}


def _billing(call: Call) -> dict[str, Any]:
    billing = call.ctx.store.get(BILLING, call.principal.account_id)
    if billing is None:
        raise not_found("billing account", call.principal.account_id)
    return billing


@handler("billing_account_get")
async def billing_account_get(call: Call) -> Reply:
    return Reply(200, _account_view(call, _billing(call)))


@handler("billing_account_update")
async def billing_account_update(call: Call) -> Reply:
    billing = _billing(call)
    changes = {k: call.body[k] for k in ("billing_email", "currency") if k in call.body}
    return Reply(200, _account_view(call, call.ctx.store.update(BILLING, billing["id"], **changes)))


@handler("invoices_list")
async def invoices_list(call: Call) -> Reply:
    # The current (open) period first (operation description).
    return call.ctx.paginate(call, invoices(call), "invoices", newest_first=True)


@handler("invoices_get")
async def invoices_get(call: Call) -> Reply:
    wanted = call.path_params["invoice_id"]
    for invoice in invoices(call):
        if invoice["id"] == wanted:
            return Reply(200, invoice)
    raise not_found("invoice", wanted)
