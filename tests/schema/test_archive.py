"""Reading the archive form's typed text into stored values, and naming the field that is wrong."""
from __future__ import annotations

import datetime as dt

import pytest

from schema.archive import EDITABLE, PARTS, ArchiveValueError, as_text, parse_archive_changes
from schema.models import Customer


def test_every_archive_field_of_the_four_parts_and_classification_is_editable():
    assert list(PARTS) == ["basic", "characteristics", "business", "trading", "classification"]
    derived = {"code", "first_deal_date", "abc_class", "segment", "strategy", "owner", "balance_cents",
               "name_pinyin", "name_initials"}
    tracked = {"id", "version", "created_at", "updated_at", "deleted_at"}
    assert set(EDITABLE) == set(Customer._meta.fields) - derived - tracked


def test_typed_text_becomes_the_stored_value():
    values = parse_archive_changes({
        "name": " 华东商贸 ", "registered_capital_cents": "1,200,000.00", "credit_limit_cents": "¥50",
        "founded": "2001-03-15", "employees": "1,200", "settlement_method": "月结", "org_form": "Joint venture",
        "channel": "ka_store", "score_strength": "5", "intent": "1", "route": "", "annual_revenue_cents": "",
        "philosophy": "稳健经营", "lifecycle": "Active"})
    assert values == {
        "name": "华东商贸", "registered_capital_cents": 120000000, "credit_limit_cents": 5000,
        "founded": dt.date(2001, 3, 15), "employees": 1200, "settlement_method": "monthly",
        "org_form": "joint_venture", "channel": "ka_store", "score_strength": 5, "intent": 1, "route": None,
        "annual_revenue_cents": None, "philosophy": "稳健经营", "lifecycle": "active"}


def test_an_empty_credit_limit_is_no_limit_and_an_empty_choice_is_none_chosen():
    assert parse_archive_changes({"credit_limit_cents": "", "channel": ""}) == {"credit_limit_cents": 0, "channel": ""}


@pytest.mark.parametrize("field, text, reason", [
    ("credit_limit_cents", "12,00.5x", "not_amount"),
    ("purchase_potential_cents", "100.005", "too_many_decimals"),
    ("annual_revenue_cents", "-5", "negative"),
    ("founded", "2026-02-30", "no_such_date"),
    ("founded", "last spring", "not_date"),
    ("score_network", "6", "score_range"),
    ("intent", "0", "score_range"),
    ("credit_days", "3.5", "not_integer"),
    ("credit_days", "", "missing"),
    ("name", "  ", "missing"),
    ("grade", "D", "unknown_choice"),
    ("credit_rating", "AAAAAAAAA", "too_long"),
])
def test_a_bad_value_names_its_field_and_the_problem(field, text, reason):
    with pytest.raises(ArchiveValueError) as caught:
        parse_archive_changes({"phone": "021-1234", field: text})
    assert (caught.value.field, caught.value.reason) == (field, reason)
    assert field in str(caught.value)


def test_the_first_bad_field_in_form_order_is_named():
    with pytest.raises(ArchiveValueError) as caught:
        parse_archive_changes({"intent": "9", "founded": "2026-13-01"})
    assert caught.value.field == "founded"


def test_an_unknown_field_is_a_bug_not_a_user_error():
    with pytest.raises(ValueError) as caught:
        parse_archive_changes({"balance_cents": "100"})
    assert not isinstance(caught.value, ArchiveValueError)


def test_stored_values_as_text_read_back_the_same():
    assert as_text("credit_limit_cents", 120000000) == "1,200,000.00"
    assert as_text("founded", dt.date(2001, 3, 5)) == "2001-03-05"
    assert as_text("settlement_method", "monthly") == "monthly"
    assert as_text("settlement_method", "monthly", "en", label=True) == "Monthly"
    assert as_text("route", None) == ""
    texts = {"credit_limit_cents": "1,200,000.00", "founded": "2001-03-05", "route": "7"}
    parsed = parse_archive_changes(texts)
    assert {name: as_text(name, value) for name, value in parsed.items()} == texts
