"""Reading dropped files: formats, encodings, the kind told by the header, typed records, and every
bad cell reported with its line, column, value and reason. Through `open_table` and `validate`."""
from __future__ import annotations

import datetime as dt
import inspect
import json
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daemon.formats import FileRejected, PlainBlock, Problem, Record, open_table, plain_items, validate
from daemon.messages import REASONS, format_problem
from schema.config_aliases import AliasConfig

GOLDEN = Path(__file__).parent / "golden"
from tests.paths import SAMPLES  # noqa: E402
ALIASES = AliasConfig()


def read(path: Path, currency: str = "CNY") -> list[Record | Problem]:
    return list(validate(open_table(path, ALIASES), currency=currency))


def problems_of(items) -> list[Problem]:
    return [item for item in items if isinstance(item, Problem)]


def records_of(items) -> list[Record]:
    return [item for item in items if isinstance(item, Record)]


def write_csv(tmp_path: Path, text: str, name: str = "drop.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def rejected(path: Path) -> list[Problem]:
    with pytest.raises(FileRejected) as caught:
        open_table(path, ALIASES)
    return caught.value.problems


def jsonable(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# -- golden files: one per format and encoding --------------------------------------------------

@pytest.mark.parametrize("expected_file", sorted(GOLDEN.glob("*.expected.json")), ids=lambda p: p.name)
def test_golden_file_reads_as_expected(expected_file):
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    source = next(p for p in GOLDEN.glob(expected_file.name.replace(".expected.json", ".*"))
                  if not p.name.endswith(".expected.json"))
    table = open_table(source, ALIASES)
    assert (table.kind, table.format, table.encoding) == (expected["kind"], expected["format"], expected["encoding"])
    assert table.columns == expected["columns"]
    assert list(table.ignored_columns) == expected["ignored_columns"]
    items = list(validate(table, currency="CNY"))
    assert problems_of(items) == []
    got = [{"line": r.line, "fields": {k: jsonable(v) for k, v in r.fields.items() if v is not None}} for r in items]
    assert got == expected["records"]
    # the typed values, not only their text: Decimal for line detail, int cents, dates
    for record in records_of(items):
        assert all(isinstance(record.fields[name], int) for name in ("amount", "cost", "credit_limit")
                   if record.fields.get(name) is not None)
        assert record.kind == table.kind and len(record.content_hash) == 32


def test_rows_streams_afresh_each_call():
    table = open_table(GOLDEN / "orders_gb18030_excel.csv", ALIASES)
    first, second = table.rows(), table.rows()
    assert inspect.isgenerator(first) and first is not second
    assert [row.line for row in first] == [row.line for row in second] == [2, 3, 5, 6]


def test_the_same_order_hashes_alike_in_any_dress(tmp_path):
    from openpyxl import Workbook

    csv_path = write_csv(tmp_path, "amount,order_no,order_date,customer_code,cost\n"
                                   '"1,250,000.00",XS-1,2026/10/08,C1001,\n')
    book = Workbook()
    book.active.append(["订单号", "客户编码", "订单日期", "金额"])
    book.active.append(["XS-1", "C1001", dt.datetime(2026, 10, 8), 1250000.0])
    book.active.append(["XS-1", "C1001", dt.datetime(2026, 10, 8), 1250000.01])
    book.save(tmp_path / "same.xlsx")
    jsonl = write_csv(tmp_path, '{"order_no": "XS-1", "customer_code": "C1001", "order_date": "20261008", '
                                '"amount": 1250000}\n', name="same.jsonl")
    [from_csv] = read(csv_path)
    same, other = read(tmp_path / "same.xlsx")
    [from_jsonl] = read(jsonl)
    assert from_csv.content_hash == same.content_hash == from_jsonl.content_hash
    assert other.content_hash != same.content_hash


# -- the shared samples ---------------------------------------------------------------------------

def test_sample_erp_orders_in_gb18030():
    table = open_table(SAMPLES / "orders_erp_gb18030.csv", ALIASES)
    assert (table.encoding, table.kind, table.format) == ("gb18030", "orders", "csv")
    records = read(SAMPLES / "orders_erp_gb18030.csv")
    assert [r.fields["amount"] for r in records] == [125000000, 8640050, 41800000, -5000000]
    assert [r.fields["order_date"] for r in records] == [dt.date(2026, 10, 8), dt.date(2026, 10, 9),
                                                         dt.date(2026, 10, 12), dt.date(2026, 10, 20)]


def test_sample_bad_orders_name_every_bad_line():
    items = read(SAMPLES / "orders_bad.csv")
    problems = problems_of(items)
    assert [(p.line, p.field, p.value, p.reason_key) for p in problems] == [
        (2, "order_date", "2026-11-31", "no_such_date"),
        (4, "amount", "1.005", "too_many_decimals"),
        (5, "order_no", "", "missing"),
    ]
    assert [r.line for r in records_of(items)] == [3]  # C9999 is the database's to catch
    report = [format_problem(p, "zh") for p in problems]
    assert report[0] == "第 2 行 列 order_date: 2026-11-31 - 没有这一天"
    assert "1.005" in report[1] and "超过两位小数" in report[1]
    assert format_problem(problems[2], "en") == "line 5, column order_no: required value is empty"


def test_sample_payments_xlsx_and_jsonl():
    bank = read(SAMPLES / "payments_bank.xlsx")
    assert [(r.fields["payment_ref"], r.fields["amount"], r.fields["method"]) for r in bank] == [
        ("BK20261015001", 60000000, "transfer"), ("BK20261016002", 8640050, "bill"),
        ("BK20261030003", 50000000, "transfer")]
    assert bank[1].fields["order_no"] == "XS-2026-0002" and bank[0].fields["paid_on"] == dt.date(2026, 10, 15)
    [line] = read(SAMPLES / "payments.jsonl")
    assert line.fields["amount"] == 10000000


# -- the kind and the header ----------------------------------------------------------------------

def test_kind_is_told_by_the_header_not_the_file_name(tmp_path):
    path = write_csv(tmp_path, "流水号,客户编码,回款日期,金额\nP-1,C1001,2026-11-01,10\n", name="orders_2026.csv")
    assert open_table(path, ALIASES).kind == "payments"
    path = write_csv(tmp_path, "客户编码,客户名称\nC1,某公司\n", name="payments.txt")
    assert open_table(path, ALIASES).kind == "customers"


def test_a_header_that_fits_no_kind_names_the_missing_column(tmp_path):
    [problem] = rejected(write_csv(tmp_path, "单号,客户编码,日期,备注\nX1,C1,2026-01-01,\n"))
    assert problem.reason_key == "unknown_kind" and problem.line == 1
    assert "amount (金额)" in format_problem(problem, "en") and "缺少必填列 amount (金额)" in format_problem(problem)


def test_a_bank_file_is_not_read_as_orders_because_of_a_date_column(tmp_path):
    table = open_table(write_csv(tmp_path, "流水号,订单号,客户编码,日期,金额\nP1,X1,C1,2026-01-01,5\n"), ALIASES)
    assert table.kind == "payments" and table.columns["paid_on"] == "日期"
    [problem] = rejected(write_csv(tmp_path, "流水号,订单号,客户编码,金额\nP1,X1,C1,5\n"))
    assert problem.reason_key == "unknown_kind" and problem.args["kind"] == "payments"
    assert "paid_on" in problem.args["missing"]


def test_two_columns_for_one_field_reject_the_file(tmp_path):
    problems = rejected(write_csv(tmp_path, "order_no,customer_code,order_date,amount,金额\nX,C,2026-01-01,1,1\n"))
    assert [(p.reason_key, p.column, p.field) for p in problems] == [("duplicate_column", "金额", "amount")]
    assert "amount" in format_problem(problems[0], "en")


def test_unknown_columns_are_ignored_in_orders_but_rejected_in_a_customer_master(tmp_path):
    table = open_table(write_csv(tmp_path, "order_no,customer_code,order_date,amount,仓库\nX,C,2026-01-01,1,北仓\n"),
                       ALIASES)
    assert table.ignored_columns == ("仓库",) and [w.reason_key for w in table.warnings] == ["ignored_column"]
    problems = rejected(write_csv(tmp_path, "客户编码,客户名称,爱好\nC1,某公司,钓鱼\n"))
    assert [(p.reason_key, p.column) for p in problems] == [("unknown_column", "爱好")]


def test_site_aliases_from_config_are_used(tmp_path):
    aliases = ALIASES.with_aliases("orders", {"order_no": ["销售单号"], "amount": ["本币金额"]})
    path = write_csv(tmp_path, "销售单号,客户编码,日期,本币金额\nX1,C1,2026-01-01,5\n")
    [record] = validate(open_table(path, aliases), currency="CNY")
    assert record.fields["order_no"] == "X1" and record.fields["amount"] == 500


# -- encodings and CSV dialects -------------------------------------------------------------------

def test_the_encoding_is_judged_on_the_whole_file(tmp_path):
    ascii_part = "".join(f"XS-{i:07d},C1001,2026-10-08,1.00\n" for i in range(60_000))  # ~2 MB, beyond a chunk
    text = "order_no,customer_code,order_date,amount,product\n" + ascii_part.replace("\n", ",\n") + \
        "XS-LAST,C1001,2026-10-08,1.00,纸箱\n"
    path = write_csv(tmp_path, text, encoding="gb18030")
    table = open_table(path, ALIASES)
    assert table.encoding == "gb18030"
    *_, last = table.rows()
    assert last.values["product"] == "纸箱" and last.line == 60_002


def test_a_file_neither_utf8_nor_gb18030_is_rejected_with_its_line(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"order_no,customer_code,order_date,amount\nX1,C1,2026-01-01,1\nX2,C\x80\xff,2026-01-01,1\n")
    [problem] = rejected(path)
    assert (problem.reason_key, problem.line) == ("unreadable_encoding", 3)
    assert "UTF-8" in format_problem(problem, "en")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_sniffed_from_the_header(tmp_path, delimiter):
    text = delimiter.join(["order_no", "customer_code", "order_date", "amount"]) + "\r\n" + \
        delimiter.join(["X1", "C1", "2026-01-01", '"1,000.00"']) + "\r\n\r\n"
    [record] = read(write_csv(tmp_path, text))
    assert record.fields["amount"] == 100000 and record.line == 2


def test_a_quoted_line_break_keeps_the_start_line_and_later_lines_count_on(tmp_path):
    text = 'order_no,customer_code,order_date,amount,product\nX1,C1,2026-01-01,1,"two\nlines"\n' \
           "\nX2,C1,2026-13-01,1,\n"
    items = read(write_csv(tmp_path, text))
    assert items[0].line == 2 and items[0].fields["product"] == "two\nlines"
    assert (items[1].line, items[1].reason_key, items[1].value) == (5, "no_such_date", "2026-13-01")


def test_broken_csv_lines_are_problems_not_crashes(tmp_path):
    text = "order_no,customer_code,order_date,amount\nX1,C1,2026-01-01,1,,surplus\nX2,C1,2026-01-01,\"2\n"
    items = read(write_csv(tmp_path, text))
    assert [(getattr(i, "reason_key", "record"), i.line) for i in items] == [
        ("extra_cells", 2), ("record", 2), ("bad_csv", 3)]


def test_files_that_are_not_tables(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert [p.reason_key for p in rejected(empty)] == ["empty_file"]
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    assert [p.reason_key for p in rejected(xls)] == ["unsupported_format"]
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a workbook")
    assert [p.reason_key for p in rejected(fake)] == ["unreadable_xlsx"]


# -- values ---------------------------------------------------------------------------------------

def amounts(tmp_path: Path, *texts: str, currency: str = "CNY") -> list:
    lines = "".join(f'X{i},C1,2026-01-01,"{text}"\n' for i, text in enumerate(texts))
    items = read(write_csv(tmp_path, "order_no,customer_code,order_date,amount\n" + lines), currency)
    return [item.fields["amount"] if isinstance(item, Record) else item.reason_key for item in items]


def test_amounts_in_every_accepted_dress(tmp_path):
    assert amounts(tmp_path, "1,250,000.00", "１２３，４５６．７８", "(1,000.00)", "（１，０００．００）", "-¥50",
                   "¥ -50", "￥1,000", "RMB 12.5", "12.50元", "1 250 000", "1000-", "1.000", "+7") == [
        125000000, 12345678, -100000, -100000, -5000, -5000, 100000, 1250, 1250, 125000000, -100000, 100, 700]


def test_amounts_that_are_refused(tmp_path):
    assert amounts(tmp_path, "1.005", "abc", "1.2.3", "1,25,000", "1.5E+3", "--5", "1,0") == [
        "too_many_decimals", "not_amount", "not_amount", "not_amount", "not_amount", "not_amount", "not_amount"]


def test_a_second_currency_rejects_the_line(tmp_path):
    assert amounts(tmp_path, "$100", "USD 5", "HK$5", "€5", "¥5") == ["second_currency"] * 4 + [500]
    assert amounts(tmp_path, "$100", currency="USD") == [10000]
    text = "order_no,customer_code,order_date,amount,币种\nX1,C1,2026-01-01,5,USD\nX2,C1,2026-01-01,5,人民币\n"
    items = read(write_csv(tmp_path, text))
    assert (items[0].reason_key, items[0].column, items[0].args) == (
        "second_currency", "币种", {"found": "USD", "expected": "CNY"})
    assert "USD" in items[0].message("en") and items[1].fields["amount"] == 500


def test_excel_numbers_must_round_to_cents_exactly(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["order_no", "customer_code", "order_date", "amount", "due_date"])
    sheet.append(["A", "C1", 46307, 86400.5, None])
    sheet.append(["B", "C1", 46307.0, 0.125, None])
    sheet.append(["C", "C1", 60, 1, None])
    sheet.append(["D", "C1", dt.datetime(2026, 10, 12), 1e300, dt.datetime(2026, 10, 1)])
    sheet.append(["E", "C1", dt.datetime(2026, 10, 12, 15, 30), 0.1 + 0.2, 46346])
    book.save(tmp_path / "floats.xlsx")
    items = read(tmp_path / "floats.xlsx")
    assert items[0].fields["amount"] == 8640050 and items[0].fields["order_date"] == dt.date(2026, 10, 12)
    assert (items[-1].fields["amount"], items[-1].fields["due_date"]) == (30, dt.date(2026, 11, 20))
    assert [(p.line, p.field, p.reason_key, p.value) for p in problems_of(items)] == [
        (3, "amount", "too_many_decimals", "0.125"),
        (4, "order_date", "no_such_date", "60"),
        (5, "amount", "too_large", "1e+300"),
        (5, "due_date", "due_before_order", "2026-10-01"),
    ]


def test_dates(tmp_path):
    days = ["2026-10-08", "2026/10/8", "20261008", "2026.10.08", "2026-10-08 00:00:00", "2026/10/8 0:00",
            "2026年10月8日", "２０２６－１０－０８"]
    bad = ["2026-11-31", "08/10/2026", "soon", "20261308"]
    lines = "".join(f"X{i},C1,{day},1\n" for i, day in enumerate(days + bad))
    items = read(write_csv(tmp_path, "order_no,customer_code,order_date,amount\n" + lines))
    assert [r.fields["order_date"] for r in items[:len(days)]] == [dt.date(2026, 10, 8)] * len(days)
    assert [(p.reason_key, p.value) for p in items[len(days):]] == [
        ("no_such_date", "2026-11-31"), ("not_date", "08/10/2026"), ("not_date", "soon"), ("no_such_date", "20261308")]


def test_every_bad_cell_of_every_line_is_reported(tmp_path):
    text = ("order_no,customer_code,order_date,amount,due_date,qty\n"
            "X1,C1,2026-02-30,1.001,2026-01-01,1.23456\n"
            "X2,C1,2026-01-01,5,,\n"
            ",,,,,\n"
            ",C1,,abc,someday,x\n")
    items = read(write_csv(tmp_path, text))
    assert [(i.line, getattr(i, "field", None), getattr(i, "reason_key", "record")) for i in items] == [
        (2, "order_date", "no_such_date"), (2, "amount", "too_many_decimals"), (2, "qty", "too_many_places"),
        (3, None, "record"),
        (5, "order_no", "missing"), (5, "order_date", "missing"), (5, "amount", "not_amount"),
        (5, "due_date", "not_date"), (5, "qty", "not_number")]


def test_payments_must_be_positive_and_name_a_known_method(tmp_path):
    text = ("流水号,客户编码,回款日期,回款金额,结算方式\n"
            "P1,C1,2026-01-01,0,转账\nP2,C1,2026-01-01,-5,现金\nP3,C1,2026-01-01,5,以物抵债\nP4,C1,2026-01-01,5,承兑\n"
            "P5,C1,2026-01-01,5,商业承兑\n")
    items = read(write_csv(tmp_path, text))
    assert [getattr(i, "reason_key", None) or i.fields["method"] for i in items] == [
        "not_positive", "not_positive", "unknown_method", "unknown_method", "bill"]
    assert items[2].message("zh") == "第 4 行 列 method [结算方式]: 以物抵债 - 未知的回款方式, 可用: 现金、转账、支票、承兑汇票"


def test_customer_master_choices_and_numbers(tmp_path):
    text = ("客户编码,等级,渠道,账期,信用额度,成立日期,客户名称\n"
            "C1,D,超市,-1,-5,2026-02-30," + "长" * 201 + "\n"
            "C2,a,Chain,0,0,,\n")
    items = read(write_csv(tmp_path, text))
    assert [(p.field, p.reason_key) for p in problems_of(items)] == [
        ("grade", "unknown_choice"), ("channel", "unknown_choice"), ("credit_days", "negative"),
        ("credit_limit", "negative"), ("founded", "no_such_date"), ("name", "too_long")]
    assert "A (A类)" in items[0].message("en")
    assert records_of(items)[0].fields == {"code": "C2", "grade": "A", "channel": "chain", "credit_days": 0,
                                           "credit_limit": 0}


def test_every_field_of_the_alias_table_has_a_typed_reading():
    from daemon.records import record_fields

    for kind in ("orders", "payments", "customers"):
        assert set(ALIASES.fields(kind)) - {"currency"} == set(record_fields(kind))


# -- JSON Lines -----------------------------------------------------------------------------------

def test_json_lines_count_physical_lines_and_report_bad_ones(tmp_path):
    text = ('{"payment_ref": "P1", "customer_code": "C1", "paid_on": "2026-01-01", "amount": "5"}\n'
            "\n"
            '{"payment_ref": "P2", "customer_code": "C1", "paid_on": "2026-01-01", "amount": 5,}\n'
            '["not", "an", "object"]\n'
            '{"payment_ref": "P3", "customer_code": "C1", "amount": NaN}\n'
            '{"payment_ref": "P4", "customer_code": "C1", "paid_on": "2026-01-01", "amount": 1.005}\n'
            '{"payment_ref": "P5", "customer_code": "C1", "paid_on": "2026-01-01", "amount": 7, "回款金额": 7}\n')
    items = read(write_csv(tmp_path, text, name="bank.ndjson"))
    assert [(i.line, getattr(i, "reason_key", "record")) for i in items] == [
        (1, "record"), (3, "bad_json"), (4, "not_object"), (5, "bad_json"), (6, "too_many_decimals"),
        (7, "duplicate_column")]
    assert items[1].value.startswith('{"payment_ref": "P2"')


def test_json_lines_with_no_object_at_all_report_each_line(tmp_path):
    problems = rejected(write_csv(tmp_path, "{bad\n[1]\n", name="p.jsonl"))
    assert [(p.line, p.reason_key) for p in problems] == [(1, "bad_json"), (2, "not_object")]


def test_json_lines_without_a_required_key(tmp_path):
    text = ('{"payment_ref": "P1", "customer_code": "C1", "paid_on": "2026-01-01", "amount": 5}\n'
            '{"payment_ref": "P2", "paid_on": "2026-01-01", "amount": 5}\n')
    items = read(write_csv(tmp_path, text, name="p.jsonl"))
    assert (items[1].line, items[1].field, items[1].reason_key) == (2, "customer_code", "missing")


# -- messages -------------------------------------------------------------------------------------

def test_every_reason_has_both_languages_and_ingest_keys_exist():
    for key in ("unknown_customer", "unknown_owner", "duplicate_key_conflict", "duplicate_in_file_conflict",
                "name_required_for_new_customer", "no_such_date", "too_many_decimals", "missing"):
        assert key in REASONS
    for zh, en in REASONS.values():
        assert zh and en and "\u201c" not in zh + en and "\u201d" not in zh + en
    clash = Problem(7, "单号", "XS-1", "duplicate_key_conflict", {"file": "orders_0901.csv", "line": 12}, "order_no")
    assert clash.message("zh") == "第 7 行 列 order_no [单号]: XS-1 - 与文件 orders_0901.csv 第 12 行的同号记录内容不同"
    assert clash.message("en") == \
        "line 7, column order_no (单号): XS-1 - clashes with the same key in orders_0901.csv line 12"


# -- a big file streams ---------------------------------------------------------------------------

@pytest.mark.slow
def test_a_200000_line_file_streams_in_little_memory(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="gb18030", newline="") as out:
        out.write("单据编号,客户代码,日期,价税合计,产品\r\n")
        for i in range(200_000):
            out.write(f'XS-{i:08d},C{i % 20_000:05d},2026-{1 + i % 12:02d}-{1 + i % 28:02d},"{i:,}.{i % 100:02d}",'
                      f"产品{i % 50}\r\n")
    assert path.stat().st_size > 10_000_000
    tracemalloc.start()
    try:
        table = open_table(path, ALIASES)
        rows = table.rows()
        assert inspect.isgenerator(rows)
        assert sum(1 for _ in rows) == 200_000  # the whole file, row by row
        records = validate(table, currency="CNY")
        assert inspect.isgenerator(records)
        for _ in zip(range(1000), records):  # reading it all up front would show here already
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 1024 * 1024
    count = last = 0
    for item in records:  # untraced: tracemalloc would make this ten times slower
        assert isinstance(item, Record)
        count, last = count + 1, item.fields["amount"]
    assert count == 199_000 and last == 199_999 * 100 + 99


# -- nothing a file holds crashes the reader ------------------------------------------------------

NASTY = ["", " ", "0", "-0", "1e9", "NaN", "(5)", "¥", "1,2,3", "２０２６－１３－０１", "2026-02-29", "60", '"',
         '""', "\n", "\r", "\x00", "\ufeff", "C1001", "2026/1/1", "99999999999999999999.99", "{", "}", ";", "\t",
         "订单号", "金额", "amount", "order_no", "流水号", "客户编码", "\u2028", "—", "（1）"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.lists(st.sampled_from(NASTY + ["order_no", "customer_code", "order_date", "amount"]), max_size=6),
       cells=st.lists(st.lists(st.sampled_from(NASTY), max_size=7), max_size=6),
       encoding=st.sampled_from(["utf-8", "gb18030", "utf-8-sig"]), suffix=st.sampled_from([".csv", ".jsonl"]),
       noise=st.binary(max_size=8))
def test_no_file_crashes_the_reader(tmp_path, header, cells, encoding, suffix, noise):
    text = "\n".join(",".join(row) for row in [header, *cells])
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(text.encode(encoding, errors="replace") + noise)
    try:
        table = open_table(path, ALIASES)
    except FileRejected as exc:
        assert exc.problems and all(format_problem(p, "zh") for p in exc.problems)
        return
    for item in validate(table, currency="CNY"):
        assert isinstance(item, Record) or format_problem(item, "en")


# -- a CSV read in blocks gives exactly its lines ----------------------------------------------------

def _from_blocks(table) -> list:
    """`Table.blocks()` flattened into what `lines()` gives, and how many of them were plain."""
    items, plain = [], 0
    for block in table.blocks():
        if isinstance(block, PlainBlock):
            plain += 1
            items.extend(plain_items(block))
        else:
            items.extend(block)
    return items, plain


CELLS = ["SO-1", "C1001", "2026-03-01", "12.50", "", " ", " 7 ", "a;b", "1,234.00", 'say "hi"', "two\nlines",
         "cr\rhere", "订单", "\t", "-0.5"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(st.sampled_from(CELLS), min_size=0, max_size=6), max_size=40),
       quote_all=st.booleans(), delimiter=st.sampled_from([",", ";", "\t"]),
       ending=st.sampled_from(["\n", "\r\n"]), last_ending=st.booleans(), block_bytes=st.sampled_from([1, 40, 300, 1 << 16]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_blocks_of_lines_are_the_lines(tmp_path, monkeypatch, rows, quote_all, delimiter, ending, last_ending,
                                       block_bytes, encoding):
    """Whatever a CSV file holds, read in blocks (plain ones split into columns, others by the csv
    module, a quoted line break across a block's end included) it gives what `lines()` gives."""
    import csv
    import io
    from daemon import formats
    monkeypatch.setattr(formats, "BLOCK_BYTES", block_bytes)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=ending,
                        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    writer.writerow(["order_no", "customer_code", "order_date", "amount"])
    writer.writerows(rows)
    text = out.getvalue() if last_ending else out.getvalue().removesuffix(ending)
    path = tmp_path / "blocks.csv"
    path.write_bytes(text.encode(encoding))
    table = open_table(path, ALIASES)
    items, _ = _from_blocks(table)
    assert items == list(table.lines())


def test_a_plain_file_is_read_in_plain_blocks_and_an_odd_line_in_the_csv_way(tmp_path, monkeypatch):
    from daemon import formats
    monkeypatch.setattr(formats, "BLOCK_BYTES", 200)
    lines = [f"SO-{n},C1001,2026-03-01,{n}.50" for n in range(60)]
    lines[30] = 'SO-30,C1001,2026-03-01,"1,030.50"'  # a quoted cell: that block goes the csv way
    lines[45] = ""  # a blank line: so does that one
    path = write_csv(tmp_path, "order_no,customer_code,order_date,amount\r\n" + "\r\n".join(lines) + "\r\n")
    table = open_table(path, ALIASES)
    items, plain = _from_blocks(table)
    assert items == list(table.lines())
    assert len(items) == 59 and items[0] == (2, ["SO-0", "C1001", "2026-03-01", "0.50"])
    assert items[30] == (32, ["SO-30", "C1001", "2026-03-01", "1,030.50"]) and items[45][0] == 48
    assert plain >= 5  # most blocks are plain


RAW_CELLS = ['"a"', '"a"b', 'a"b"', ' "a"', '"a" ', '""', '"', '""""', '"a""b"', "x", "", '"1;2"', '"two']


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(st.sampled_from(RAW_CELLS), min_size=4, max_size=4), min_size=1, max_size=12),
       block_bytes=st.sampled_from([1, 50, 1 << 16]))
def test_blocks_of_lines_with_quotes_anywhere_are_the_lines(tmp_path, monkeypatch, rows, block_bytes):
    """Lines as no CSV writer would write them, quotes in odd places: a block takes a cell's quotes
    off only where the csv module would, and leaves the rest to it."""
    from daemon import formats
    monkeypatch.setattr(formats, "BLOCK_BYTES", block_bytes)
    path = write_csv(tmp_path, "order_no;customer_code;order_date;amount\n" + "\n".join(";".join(r) for r in rows) + "\n",
                     name="quotes.csv")
    table = open_table(path, ALIASES)
    items, _ = _from_blocks(table)
    assert items == list(table.lines())
