"""`kacrm export statement` (对账单, issue 6): each format read back and compared with the ledger
worked by hand in tests/schema/test_statement.py, the refusal of another rep's customer, the audit."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from html.parser import HTMLParser

import openpyxl
import pytest

from schema.db import open_database
from schema.models import AuditEntry, Customer, Order, Payment, Posting
from tests.schema.test_statement import TODAY, build_ledger

D = dt.date
MARCH = ("export", "statement", "--customer", "C1", "--from", "2026-03-01", "--to", "2026-03-31")
COMPANY = """[company]
name = "杭州<远航>科技有限公司"
address = "杭州市西湖区文三路 1 号"
phone = "0571-88888888"
tax_id = "91330100MA2XXXXX0X"
bank = "工商银行杭州西湖支行"
account = "1202 0000 0000 0000 000"
"""
# (date, document, debit, credit, balance) from an opening 700.00; adjustments' documents are ADJ-<id>
LINES = [(D(2026, 3, 1), "O-2", Decimal("2500.00"), None, Decimal("3200.00")),
         (D(2026, 3, 10), "-R-0310", None, Decimal("200.00"), Decimal("3000.00")),
         (D(2026, 3, 15), "P-2", None, Decimal("1200.00"), Decimal("1800.00")),
         (D(2026, 3, 20), "ADJ", Decimal("50.00"), None, Decimal("1850.00")),
         (D(2026, 3, 31), "ADJ", None, Decimal("80.00"), Decimal("1770.00"))]


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setenv("KACRM_NOW", TODAY)


@pytest.fixture
def site(tmp_path, make_rep, make_customer):
    (tmp_path / "config.toml").write_text(COMPANY, encoding="utf-8")  # the kacrm fixture runs in tmp_path
    return build_ledger(make_rep, make_customer)


def money(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def posted_cents(db_path, document: str) -> int:
    """The posting of `document` as the database holds it (+ debit, - credit)."""
    handle = open_database(str(db_path))
    try:
        order = Order.get_or_none(Order.order_no == document)
        if order is not None:
            return Posting.get(Posting.order == order.id).amount_cents
        payment = Payment.get_or_none(Payment.payment_ref == document)
        if payment is not None:
            return Posting.get(Posting.payment == payment.id).amount_cents
        return Posting.get(Posting.adjustment == int(document.removeprefix("ADJ-"))).amount_cents
    finally:
        handle.close()


def test_xlsx_is_a_typed_printable_sheet_equal_to_the_ledger(kacrm, site, tmp_path, db_path):
    out = tmp_path / "对账单.xlsx"
    result = kacrm(*MARCH, "--output", str(out), user="alice")
    assert result.exit_code == 0, result.output
    assert not list(tmp_path.glob(".*.partial"))
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["对账单"]
    sheet = book["对账单"]
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert texts[0] == "杭州<远航>科技有限公司" and "客户对账单" in texts
    assert any("税号：91330100MA2XXXXX0X" in text for text in texts)
    assert any("开户银行：工商银行杭州西湖支行" in text and "账号：1202 0000 0000 0000 000" in text for text in texts)
    # text a spreadsheet would run as a formula keeps its content behind an apostrophe
    assert {"'=1+2 浦东新区", "'+86 21 5555 0000", "'-R-0310", "<申华&Co> 化工", "李四 13800000000"} <= set(texts)
    assert not any(text.startswith(("=", "+", "-", "@")) for text in texts)

    header = next(c.row for c in sheet["A"] if c.value == "日期")
    assert [c.value for c in sheet[header]][:7] == ["日期", "单据号", "类型", "摘要", "借方", "贷方", "余额"]
    assert all(c.font.b for c in sheet[header][:7])
    assert sheet.freeze_panes == f"A{header + 1}" and sheet.print_title_rows == f"${header}:${header}"
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.column_dimensions["D"].width >= 20  # the descriptions are the widest column

    rows = list(sheet.iter_rows(min_row=header + 1, max_row=header + 8))
    opening, lines, totals, closing = rows[0], rows[1:6], rows[6], rows[7]
    assert opening[0].is_date and opening[0].value.date() == D(2026, 3, 1)
    assert (opening[3].value, money(opening[6].value)) == ("期初余额", Decimal("700.00"))
    assert (totals[3].value, money(totals[4].value), money(totals[5].value)) == ("本期合计", Decimal("2550.00"),
                                                                              Decimal("1480.00"))
    assert closing[0].value.date() == D(2026, 3, 31)
    assert (closing[3].value, money(closing[6].value)) == ("期末余额", Decimal("1770.00"))
    got = []
    for row in lines:
        assert row[0].is_date and all(c.number_format == "#,##0.00" for c in row[4:7])
        assert all(c.data_type == "n" for c in row[4:7] if c.value is not None)
        got.append((row[0].value.date(), row[1].value.lstrip("'")[:3] if row[1].value.startswith("ADJ") else
                    row[1].value.lstrip("'"), money(row[4].value), money(row[5].value), money(row[6].value)))
        document = row[1].value.lstrip("'")  # the neutralized text, back to the document number
        assert posted_cents(db_path, document) == int((money(row[4].value) or 0) * 100 - (money(row[5].value) or 0) * 100)
    assert got == LINES
    assert [row[2].value for row in lines] == ["订单", "退货", "回款", "调整", "调整"]
    assert [row[3].value for row in lines] == ["销售订单，到期日 2026-03-31", "退货/折让", "回款（支票）",
                                               "调整：运费补收", "调整：质量折让"]

    aging = next(c.row for c in sheet["A"] if c.value == "未到期")
    assert [c.value for c in sheet[aging]][:8] == ["未到期", "1-30天", "31-60天", "61-90天", "91-120天", ">120天",
                                                   "预收未核销", "应收余额"]
    assert [money(c.value) for c in sheet[aging + 1]][:8] == [Decimal(x) for x in (
        "1800.00", "50.00", "0.00", "0.00", "0.00", "0.00", "-80.00", "1770.00")]
    assert {"本公司：杭州<远航>科技有限公司", "客户：<申华&Co> 化工"} <= set(texts)
    assert texts.count("签字：") == 2 and texts.count("盖章：") == 2 and texts.count("日期：") == 2


class _Cells(HTMLParser):
    """The text of each row of the page's tables, in order."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def test_html_is_a_self_contained_page_ready_to_print(kacrm, site):
    result = kacrm(*MARCH, "--format", "html", user="alice")
    assert result.exit_code == 0, result.output
    page = result.stdout
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "&lt;申华&amp;Co&gt; 化工" in page and "<申华" not in page
    assert "杭州&lt;远航&gt;科技有限公司" in page and "<远航>" not in page
    assert "size: A4" in page and "thead { display: table-header-group; }" in page
    assert "page-break-inside: avoid" in page
    assert "src=" not in page and "href=" not in page and "<script" not in page
    parser = _Cells()
    parser.feed(page)
    lines = [row for row in parser.rows if len(row) == 7]
    assert lines[0] == ["日期", "单据号", "类型", "摘要", "借方", "贷方", "余额"]
    assert [row[6] for row in lines[1:]] == ["700.00", "3,200.00", "3,000.00", "1,800.00", "1,850.00", "1,770.00",
                                             "1,770.00"]
    assert lines[2][1:6] == ["O-2", "订单", "销售订单，到期日 2026-03-31", "2,500.00", ""]
    assert lines[3][1] == "-R-0310"  # a page is not a spreadsheet: nothing to neutralize
    assert ["本期合计", "2,550.00", "1,480.00", ""] in parser.rows
    assert ["1,800.00", "50.00", "0.00", "0.00", "0.00", "0.00", "-80.00", "1,770.00"] in parser.rows
    signatures = page[page.index('<section class="signatures">'):]
    for text in ("本公司：杭州&lt;远航&gt;科技有限公司", "客户：&lt;申华&amp;Co&gt; 化工"):
        assert text in signatures
    assert signatures.count("签字：") == signatures.count("盖章：") == signatures.count("日期：") == 2


def test_csv_json_and_table_are_the_lines_between_the_balances(kacrm, site, tmp_path):
    raw = kacrm(*MARCH, "--format", "csv", user="alice").stdout_bytes
    assert raw.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["date", "document", "kind", "description", "debit", "credit", "balance"]
    assert rows[1] == ["2026-03-01", "", "opening", "期初余额", "", "", "700.00"]
    assert rows[3] == ["2026-03-10", "'-R-0310", "return", "退货/折让", "0.00", "200.00", "3000.00"]
    assert rows[-1] == ["2026-03-31", "", "closing", "期末余额", "", "", "1770.00"]
    assert len(rows) == 1 + 1 + 5 + 1

    out = tmp_path / "st.csv"
    assert kacrm(*MARCH, "--encoding", "gb18030", "--output", str(out), user="alice").exit_code == 0
    assert list(csv.reader(io.StringIO(out.read_bytes().decode("gb18030")))) == rows  # no BOM in GB18030

    items = json.loads(kacrm(*MARCH, "--format", "json", user="alice").stdout)
    assert [item["balance"] for item in items] == ["700.00", "3200.00", "3000.00", "1800.00", "1850.00",
                                                   "1770.00", "1770.00"]
    assert (items[0]["kind"], items[0]["debit"], items[-1]["kind"]) == ("opening", None, "closing")
    assert (items[1]["document"], items[1]["debit"], items[1]["credit"], items[1]["date"]) == (
        "O-2", "2500.00", "0.00", "2026-03-01")
    assert [item["kind"] for item in items[1:-1]] == ["order", "return", "payment", "adjustment", "adjustment"]

    table = kacrm(*MARCH, "--format", "table", env={"KACRM_LANG": "en"}, user="alice").stdout
    assert "Opening balance" in table and "Closing balance" in table and "1,770.00" in table
    assert "Aging at 2026-03-31" in table


def test_in_english_the_sheet_is_called_statement(kacrm, site, tmp_path):
    out = tmp_path / "statement.xlsx"
    assert kacrm(*MARCH, "--output", str(out), env={"KACRM_LANG": "en"}, user="alice").exit_code == 0
    sheet = openpyxl.load_workbook(out)["Statement"]
    texts = {c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"Customer statement", "Closing balance", "Signature: ", "Stamp: ", "Payment (Cheque)"} <= texts


def test_another_reps_customer_is_refused_in_one_sentence_with_exit_1(kacrm, site, tmp_path, db_path):
    out = tmp_path / "bob.xlsx"
    refused = kacrm(*MARCH, "--output", str(out), user="bob")
    assert refused.exit_code == 1
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "bob" in lines[0] and "C1" in lines[0] and "Traceback" not in refused.output
    assert not out.exists() and not list(tmp_path.glob(".*.partial"))
    assert kacrm(*MARCH[:3], "C404", *MARCH[4:], user="alice").exit_code == 2
    backwards = kacrm("export", "statement", "--customer", "C1", "--from", "2026-04-01", "--to", "2026-03-31",
                      user="alice")
    assert backwards.exit_code == 2 and "--from" in backwards.stderr
    handle = open_database(str(db_path))
    assert not AuditEntry.select().where(AuditEntry.table_name == "export").exists()
    handle.close()


def test_the_export_is_in_the_audit_trail(kacrm, site, db_path):
    assert kacrm(*MARCH, "--format", "json", user="alice").exit_code == 0
    handle = open_database(str(db_path))
    entry = AuditEntry.get(AuditEntry.table_name == "export")
    assert (entry.actor_login, entry.record_id, entry.action, entry.new_value) == ("alice", "statement", "export", "5")
    assert entry.customer_id == Customer.get(Customer.code == "C1").id
    assert json.loads(entry.reason) == {"customer": "C1", "from": "2026-03-01", "to": "2026-03-31", "format": "json"}
    handle.close()
