"""How well the duplicate check finds what people type, measured on hand-written pairs.

``data/duplicate_pairs.csv``: 170 pairs of one company typed two ways (legal forms, places in front, behind
or in brackets, abbreviations, typos, homophones, traditional characters and full-width letters, phone
formats, the same address) and 171 pairs of two companies that look alike (the same trade words, one brand
in two trades, one brand's branches in two districts or cities, names one character apart). The second name
of each pair is registered; the first is looked up through ``find_duplicates`` as the admin, who sees
everyone, so that the database's candidate search is measured too, not only the scoring.

Measured (README, "Duplicate check"): recall 0.988 (168 of 170), false alarms 0.047 (8 of 171).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from accounts.customers.duplicates.lookup import find_duplicates
from accounts.customers.services import set_match_keys
from crm.phones import normalise_phone
from tests.accounts.factories import CustomerFactory

PAIRS = Path(__file__).parent / "data" / "duplicate_pairs.csv"
RECALL_FLOOR = 0.98
FALSE_ALARM_CEILING = 0.05

pytestmark = pytest.mark.django_db


def _pairs() -> list[dict[str, str]]:
    with PAIRS.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_pairs_are_enough_of_each_kind():
    labels = [row["label"] for row in _pairs()]

    assert labels.count("same") >= 150
    assert labels.count("different") >= 150
    assert set(labels) == {"same", "different"}


def test_recall_and_false_alarms_on_the_pairs(people):
    pairs = _pairs()
    registered = []
    for row in pairs:
        customer = CustomerFactory.build(
            unit_name=row["b_name"],
            phone=normalise_phone(row["b_phone"]),
            district=row["b_district"],
            address=row["b_address"],
        )
        set_match_keys(customer)
        registered.append(customer)
    CustomerFactory._meta.model.objects.bulk_create(registered)
    found = {True: 0, False: 0}
    missed, false_alarms = [], []
    for row, customer in zip(pairs, registered, strict=True):
        candidates = find_duplicates(
            user=people.admin,
            unit_name=row["a_name"],
            phones=[row["a_phone"]] if row["a_phone"] else [],
            district=row["a_district"],
            address=row["a_address"],
            limit=50,
        )
        flagged = any(candidate.customer == customer for candidate in candidates)
        same = row["label"] == "same"
        found[same] += flagged
        if same and not flagged:
            missed.append(f"{row['a_name']} / {row['b_name']}")
        if flagged and not same:
            false_alarms.append(f"{row['a_name']} / {row['b_name']}")
    same_count = sum(row["label"] == "same" for row in pairs)
    recall = found[True] / same_count
    false_alarm_rate = found[False] / (len(pairs) - same_count)

    print(f"\nrecall {recall:.3f} ({found[True]}/{same_count}); missed: {missed}")
    print(f"false alarms {false_alarm_rate:.3f} ({found[False]}/{len(pairs) - same_count}): {false_alarms}")
    assert recall >= RECALL_FLOOR, missed
    assert false_alarm_rate <= FALSE_ALARM_CEILING, false_alarms
