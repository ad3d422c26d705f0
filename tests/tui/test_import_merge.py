"""`kacrm import customers FILE` and `kacrm merge CODE_FROM CODE_INTO`, driven as a user types them:
the files are the ones Excel writes (GB18030 CSV, XLSX) and the sample master; the figures of the
merge are worked by hand."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from schema import access, ledger
from schema.archive import EDITABLE
from schema.archive_import import normalize_address, normalize_name, normalize_phones
from schema.audit import audited_update
from schema.db import open_database
from schema.models import (AccessGrant, Adjustment, Alert, AuditEntry, Complaint, Contact, Contract, Customer,
                           Evaluation, Opportunity, Order, Payment, Posting, Rep, SegmentSnapshot, Target, Visit)
from tests.paths import SAMPLES

EN = {"KACRM_LANG": "en"}


def reopen(db_path: Path):
    """The models bound to the test's database again (the CLI closes its connection)."""
    return open_database(str(db_path))


def rows_of(result) -> list[dict]:
    assert "Traceback" not in result.output
    return json.loads(result.stdout)


def snapshot(db_path: Path) -> tuple[list, list]:
    """Every customer row (all columns) and every audit entry: what an import may change."""
    reopen(db_path)
    customers = [c.__data__ for c in Customer.select().order_by(Customer.id)]
    trail = [(e.table_name, e.record_id, e.action, e.field, e.old_value, e.new_value, e.reason)
             for e in AuditEntry.select().order_by(AuditEntry.id)]
    return customers, trail


def write_excel_csv(path: Path, rows: list[list[str]]) -> Path:
    """A CSV the way Excel on Chinese Windows saves it: GB18030 without a BOM, CRLF line ends,
    quotes only where a cell holds a comma."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode("gb18030"))
    return path


@pytest.fixture
def people(make_rep):
    boss = make_rep("boss", role="admin")
    lead = make_rep("lead", role="manager", region="华北")
    wang = make_rep("wang", region="华北", manager=lead)
    li = make_rep("li", region="华南")
    return {"boss": boss, "lead": lead, "wang": wang, "li": li}


# -- import ------------------------------------------------------------------------------------------

def test_the_sample_master_creates_three_customers_owned_by_the_importer(kacrm, db_path, people):
    result = kacrm("import", "customers", str(SAMPLES / "customers_master.csv"), "--format", "json", env=EN)
    assert result.exit_code == 0, result.output
    assert [(r["line"], r["code"], r["outcome"]) for r in rows_of(result)] == [
        (2, "C1001", "created"), (3, "C1002", "created"), (4, "C1003", "created")]
    assert "3 created, 0 updated, 0 unchanged, 0 rejected lines" in result.stderr
    reopen(db_path)
    first = Customer.get(Customer.code == "C1001")
    assert (first.name, first.owner.login, first.credit_limit_cents, first.credit_days, first.industry) == (
        "华北石化销售有限公司", "boss", 200_000_000, 45, "炼油化工")
    assert first.address == "天津市滨海新区港城大道88号"
    assert Customer.get(Customer.code == "C1002").credit_limit_cents == 30_000_000
    created = AuditEntry.select().where((AuditEntry.table_name == "customer") & (AuditEntry.action == "create"))
    assert sorted(e.reason for e in created) == ["import customers_master.csv"] * 3


ARCHIVE_HEADER = ["客户编码", "客户名称", "客户经理", "简称", "地址", "电话", "网站", "法人", "所有者", "经营管理者",
                  "创业时间", "组织形式", "业种", "注册资本", "员工人数", "年营业额", "备注", "服务区域", "销售能力",
                  "发展潜力", "经营理念与方针", "经营风格", "与竞争者关系", "对我方态度", "员工素质", "信用等级",
                  "信用额度", "账期（天）", "结算方式", "交易条件", "信誉", "信用事故", "生命周期", "客户性质", "渠道",
                  "区域", "路序", "等级", "采购潜力", "实力 1-5", "管理 1-5", "网络 1-5", "购买力 1-5", "营销 1-5",
                  "成长 1-5", "优势 1-5", "意向度 1-5"]
ARCHIVE_LINE = ["K001", "北京华联商厦股份有限公司", "wang", "华联商厦", "北京市西城区阜成门外大街1号", "010-68001234",
                "www.hualian.example", "张三", "华联集团", "李四", "1993/6/18", "股份制", "零售", "120,000,000.00",
                "2,300", "1,500,000,000", "老客户", "京津冀", "年销 15 亿", "高", "薄利多销", "稳健", "与甲公司合作",
                "友好", "较高", "AA", "5,000,000.00", "60", "月结", "货到 60 天付款", "良好", "2019 年延付一次",
                "现有", "普通公司", "KA卖场", "华北", "12", "A类", "20,000,000", "5", "4", "3", "4", "3", "5", "2", "4"]
ARCHIVE_VALUES = {
    "name": "北京华联商厦股份有限公司", "short_name": "华联商厦", "address": "北京市西城区阜成门外大街1号",
    "phone": "010-68001234", "website": "www.hualian.example", "legal_rep": "张三", "proprietor": "华联集团",
    "general_manager": "李四", "founded": dt.date(1993, 6, 18), "org_form": "joint_stock", "industry": "零售",
    "registered_capital_cents": 12_000_000_000, "employees": 2300, "annual_revenue_cents": 150_000_000_000,
    "notes": "老客户", "service_area": "京津冀", "sales_capacity": "年销 15 亿", "growth_potential": "高",
    "philosophy": "薄利多销", "management_style": "稳健", "competitor_relation": "与甲公司合作",
    "attitude_to_us": "友好", "staff_quality": "较高", "credit_rating": "AA", "credit_limit_cents": 500_000_000,
    "credit_days": 60, "settlement_method": "monthly", "trade_terms": "货到 60 天付款", "reputation": "良好",
    "credit_incidents": "2019 年延付一次", "lifecycle": "active", "nature": "company", "channel": "ka_store",
    "region": "华北", "route": 12, "grade": "A", "purchase_potential_cents": 2_000_000_000, "score_strength": 5,
    "score_management": 4, "score_network": 3, "score_purchasing_power": 4, "score_marketing": 3,
    "score_growth": 5, "score_advantage": 2, "intent": 4,
}


def test_a_gb18030_csv_with_chinese_headers_fills_every_archive_field(kacrm, db_path, people, tmp_path):
    assert set(ARCHIVE_VALUES) == set(EDITABLE)  # the file has a column for every field of the archive
    path = write_excel_csv(tmp_path / "客户档案.csv", [ARCHIVE_HEADER, ARCHIVE_LINE])
    assert not path.read_bytes().decode("gb18030").startswith("\ufeff")
    result = kacrm("import", "customers", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert [(r["code"], r["outcome"]) for r in rows_of(result)] == [("K001", "created")]
    reopen(db_path)
    customer = Customer.get(Customer.code == "K001")
    assert {name: getattr(customer, name) for name in EDITABLE} == ARCHIVE_VALUES
    assert customer.owner.login == "wang"


def test_an_xlsx_with_english_headers_and_typed_cells(kacrm, db_path, people, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["code", "name", "owner", "credit limit", "credit_days", "founded", "grade", "channel", "phone"])
    sheet.append(["X1", "Acme Trading Co., Ltd.", "wang", 1234567.5, 45, dt.datetime(2001, 2, 3), "b", "Chain",
                  "13800000000"])
    sheet.append([2002, "上海某某贸易有限公司", None, "88,000.00", None, None, None, None, None])
    path = tmp_path / "customers.xlsx"
    book.save(path)
    result = kacrm("import", "customers", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert [(r["line"], r["code"], r["outcome"]) for r in rows_of(result)] == [(2, "X1", "created"),
                                                                               (3, "2002", "created")]
    reopen(db_path)
    acme = Customer.get(Customer.code == "X1")
    assert (acme.credit_limit_cents, acme.credit_days, acme.founded, acme.grade, acme.channel, acme.owner.login) == (
        123_456_750, 45, dt.date(2001, 2, 3), "B", "chain", "wang")
    other = Customer.get(Customer.code == "2002")  # a number cell read as the code it shows
    assert (other.credit_limit_cents, other.credit_days, other.grade, other.owner.login) == (8_800_000, 30, "C", "boss")


def test_the_same_file_twice_changes_nothing_the_second_time(kacrm, db_path, people, tmp_path):
    sparse = dict.fromkeys(ARCHIVE_HEADER, "") | {"客户编码": "K002", "客户名称": "天津港物流有限公司",
                                                  "信用额度": "300,000", "区域": "华北"}
    path = write_excel_csv(tmp_path / "master.csv", [ARCHIVE_HEADER, ARCHIVE_LINE, list(sparse.values())])
    assert kacrm("import", "customers", str(path)).exit_code == 0
    before = snapshot(db_path)
    again = kacrm("import", "customers", str(path), "--format", "json", env=EN)
    assert again.exit_code == 0, again.output
    assert [r["outcome"] for r in rows_of(again)] == ["unchanged", "unchanged"]
    assert "0 created, 0 updated, 2 unchanged, 0 rejected lines" in again.stderr
    assert snapshot(db_path) == before


def test_a_changed_line_is_an_audited_update_and_an_empty_cell_changes_nothing(kacrm, db_path, people, tmp_path):
    first = write_excel_csv(tmp_path / "a.csv", [["客户编码", "客户名称", "信用额度", "电话"],
                                                 ["K9", "某公司", "1,000.00", "010-1234567"]])
    assert kacrm("import", "customers", str(first)).exit_code == 0
    second = write_excel_csv(tmp_path / "b.csv", [["客户编码", "客户名称", "信用额度", "电话"],
                                                  ["K9", "某公司", "2,500.50", ""]])
    result = kacrm("import", "customers", str(second), "--format", "json")
    assert [(r["outcome"], r["field"]) for r in rows_of(result)] == [("updated", "credit_limit")]
    reopen(db_path)
    customer = Customer.get(Customer.code == "K9")
    assert (customer.credit_limit_cents, customer.phone, customer.version) == (250_050, "010-1234567", 2)
    update = AuditEntry.get((AuditEntry.action == "update") & (AuditEntry.table_name == "customer"))
    assert (update.field, update.old_value, update.new_value, update.reason, update.actor_login) == (
        "credit_limit_cents", "1000.00", "2500.50", "import b.csv", "boss")


def test_bad_lines_reject_the_whole_file_naming_line_field_and_reason(kacrm, db_path, people, tmp_path):
    path = write_excel_csv(tmp_path / "bad.csv", [
        ["客户编码", "客户名称", "客户经理", "信用额度", "等级"],
        ["G1", "好客户有限公司", "wang", "1,000.00", "A"],
        ["G2", "坏金额有限公司", "wang", "12.345", "B"],
        ["G3", "无此人有限公司", "zhao", "100", "C"],
        ["G4", "坏等级有限公司", "wang", "100", "D"],
        ["G5", "", "wang", "100", "A"],
    ])
    before = snapshot(db_path)
    result = kacrm("import", "customers", str(path), "--format", "json", env=EN)
    assert result.exit_code == 1, result.output
    rejected = [(r["line"], r["field"], r["value"], r["detail"]) for r in rows_of(result) if r["outcome"] == "rejected"]
    assert rejected == [(3, "credit_limit", "12.345", "more than two decimals"),
                        (4, "owner", "zhao", "unknown rep login"),
                        (5, "grade", "D", "not one of the allowed values: A (A类), B (B类), C (C类)"),
                        (6, "name", "", "a new customer code needs a name")]
    assert "4 rejected lines" in result.stderr and "nothing changed" in result.stderr
    assert snapshot(db_path) == before
    # on a terminal-style table, in Chinese: the line, the column as the file wrote it and the reason
    table = kacrm("import", "customers", str(path), "--format", "table")
    assert table.exit_code == 1
    assert "grade [等级]" in table.stdout and "不是可选值" in table.stdout and "超过两位小数" in table.stdout


def test_dry_run_shows_what_would_happen_and_changes_nothing(kacrm, db_path, people):
    before = snapshot(db_path)
    result = kacrm("import", "customers", str(SAMPLES / "customers_master.csv"), "--dry-run", "--format", "json",
                   env=EN)
    assert result.exit_code == 0, result.output
    assert [r["outcome"] for r in rows_of(result)] == ["created"] * 3
    assert "Dry run: nothing changed." in result.stderr
    assert snapshot(db_path) == before


def test_likely_duplicates_within_the_file_and_against_the_database(kacrm, db_path, people, make_customer, tmp_path):
    make_customer(people["wang"], code="OLD1", name="华北石化销售（天津）有限公司", region="华北")
    make_customer(people["wang"], code="OLD2", name="别的公司", address="广州市 白云区 江高镇南岗路12号")
    make_customer(people["li"], code="HIDDEN", name="河南江淮汽车销售服务有限公司", region="华南")
    path = write_excel_csv(tmp_path / "dup.csv", [
        ["客户编码", "客户名称", "电话", "地址"],
        ["N1", "华北石化销售有限公司", "+86 138-0000-0000", ""],
        ["N2", "华北石化销售集团股份有限公司", "13800000000", ""],
        ["N3", "洁柔经销部", "", "广州市白云区江高镇南岗路１２号"],
        ["N4", "河南江淮汽车销售服务有限公司", "", ""],
    ])
    result = kacrm("import", "customers", str(path), "--format", "json", user="wang")
    assert result.exit_code == 0, result.output
    duplicates = [(r["line"], r["code"], r["field"], r["value"]) for r in rows_of(result) if r["outcome"] == "duplicate"]
    assert duplicates == [(2, "N1", "name", "OLD1"),
                          (3, "N2", "name", "第 2 行"), (3, "N2", "phone", "第 2 行"), (3, "N2", "name", "OLD1"),
                          (4, "N3", "address", "OLD2")]  # HIDDEN is li's: wang is not told of it


def test_normalizing_names_phones_and_addresses():
    assert normalize_name("华北石化销售（天津）有限公司") == normalize_name("华北 石化销售股份有限公司") == "华北石化销售"
    assert normalize_name("ＡＣＭＥ Trading Co., Ltd.") == normalize_name("Acme Trading Limited") == "acmetrading"
    assert normalize_name("集团") == "集团"  # never stripped to nothing
    assert normalize_phones("+86 138-0000-0000 / 022-12345678") == {"13800000000", "02212345678"}
    assert normalize_phones("分机 801") == set()
    assert normalize_address("广州市 白云区，南岗路１２号") == normalize_address("广州市白云区南岗路12号")


def test_a_rep_updates_only_their_own_customers_and_creates_only_for_themselves(kacrm, db_path, people,
                                                                               make_customer, tmp_path):
    make_customer(people["wang"], code="W1", name="王的客户")
    make_customer(people["li"], code="L1", name="李的客户")
    before = snapshot(db_path)
    path = write_excel_csv(tmp_path / "rep.csv", [
        ["客户编码", "客户名称", "客户经理", "电话"],
        ["W1", "王的客户", "", "010-1111111"],
        ["L1", "李的客户", "", "010-2222222"],
        ["W2", "新客户甲", "li", ""],
        ["W1", "王的客户", "li", "010-1111111"],
    ])
    result = kacrm("import", "customers", str(path), "--format", "json", user="wang", env=EN)
    assert result.exit_code == 1
    rejected = [(r["line"], r["field"], r["detail"].split(";")[0]) for r in rows_of(result) if r["outcome"] == "rejected"]
    assert rejected == [(3, "code", "you may not change this customer"),
                        (4, "owner", "you may only create customers you own (a manager: of your region or team)"),
                        (5, "code", "clashes with the same key on line 2 of this file")]
    assert snapshot(db_path) == before
    mine = write_excel_csv(tmp_path / "mine.csv", [["客户编码", "客户名称"], ["W3", "新客户乙"]])
    assert kacrm("import", "customers", str(mine), user="wang").exit_code == 0
    reopen(db_path)
    assert Customer.get(Customer.code == "W3").owner.login == "wang"


def test_a_deleted_customer_code_is_a_rejected_line(kacrm, db_path, people, make_customer, tmp_path):
    gone = make_customer(people["wang"], code="D1", name="已删除")
    Customer.update(deleted_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)).where(Customer.id == gone.id).execute()
    path = write_excel_csv(tmp_path / "d.csv", [["客户编码", "客户名称"], ["D1", "已删除"]])
    result = kacrm("import", "customers", str(path), "--format", "json", env=EN)
    assert result.exit_code == 1
    assert [r["detail"] for r in rows_of(result) if r["outcome"] == "rejected"][0].startswith("this customer is deleted")


def test_an_orders_file_is_not_a_customer_master(kacrm, people):
    result = kacrm("import", "customers", str(SAMPLES / "orders_erp_gb18030.csv"), env=EN)
    assert result.exit_code == 2
    assert "kacrm ingest" in result.stderr and "Traceback" not in result.output


# -- merge ---------------------------------------------------------------------------------------------

@pytest.fixture
def pair(people, make_customer):
    """Two records of one company, each with history; FROM holds unapplied money, INTO an open order.

    INTO: order O1 100,000.00 (due 2026-02-10), paid 40,000.00 -> open 60,000.00, balance 60,000.00.
    FROM: order O2 50,000.00, paid 80,000.00 -> 30,000.00 unapplied; return R1 -5,000.00 unused;
          adjustment +1,000.00 -> balance -34,000.00."""
    wang, boss, li = people["wang"], people["boss"], people["li"]
    into = make_customer(wang, code="INTO", name="华北石化销售有限公司", region="华北", phone="")
    source = make_customer(wang, code="FROM", name="华北石化销售(天津)有限公司", region="华北",
                           phone="022-12345678", website="www.hbsh.example", credit_days=45)
    ledger.post_order(into, order_no="O1", order_date=dt.date(2026, 1, 10), amount_cents=10_000_000,
                      due_date=dt.date(2026, 2, 10))
    ledger.post_payment(into, payment_ref="P1", paid_on=dt.date(2026, 1, 20), amount_cents=4_000_000)
    ledger.post_order(source, order_no="O2", order_date=dt.date(2026, 2, 1), amount_cents=5_000_000,
                      due_date=dt.date(2026, 3, 1))
    ledger.post_payment(source, payment_ref="P2", paid_on=dt.date(2026, 2, 15), amount_cents=8_000_000)
    ledger.post_order(source, order_no="R1", order_date=dt.date(2026, 3, 5), amount_cents=-500_000)
    ledger.post_adjustment(source, amount_cents=100_000, reason="运费补收", by=boss, posted_on=dt.date(2026, 3, 6))
    Contact.create(customer=source, name="赵经理")
    Contact.create(customer=source, name="钱会计", deleted_at=dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc))
    for day in (1, 2, 3):
        Visit.create(customer=source, rep=wang, at=dt.datetime(2026, 3, day, 2, tzinfo=dt.timezone.utc))
    Contract.create(customer=source, number="HT-1", title="年度合同")
    Opportunity.create(customer=source, owner=wang, title="新生产线")
    Complaint.create(customer=source, received_on=dt.date(2026, 3, 2), subject="送货延迟")
    scores = {"ability_score": 80, "attitude_score": 80, "results_score": 80, "score": 80, "band": "good"}
    Evaluation.create(customer=source, period="2025", **scores)
    Evaluation.create(customer=source, period="2026", **scores)
    Evaluation.create(customer=into, period="2026", **scores)
    for customer, period in ((source, "2026Q1"), (source, "2026Q2"), (into, "2026Q2")):
        SegmentSnapshot.create(customer=customer, period=period, as_of=dt.date(2026, 3, 31))
    month = {"scope": "customer", "period": "month", "metric": "sales"}
    Target.create(customer=into, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 1, 31), value=20_000_000,
                  **month)
    Target.create(customer=source, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 1, 31),
                  value=10_000_000, **month)
    Target.create(customer=source, period_start=dt.date(2026, 2, 1), period_end=dt.date(2026, 2, 28),
                  value=7_000_000, **month)
    Alert.create(customer=source, kind="overdue", amount_cents=100)
    AccessGrant.create(customer=source, grantee=li, level="view", approved_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
                       expires_at=dt.datetime(2099, 1, 1, tzinfo=dt.timezone.utc))
    audited_update(source, {"short_name": "天津华北石化"}, actor=wang, reason="录入简称")
    return into, source


def test_merge_moves_everything_recomputes_the_balance_and_settles_credits(kacrm, db_path, people, pair):
    into, source = pair
    assert not access.can_see(people["li"], into)
    audit_before = AuditEntry.select().where(AuditEntry.customer == source.id).count()
    result = kacrm("merge", "FROM", "INTO", "--reason", "同一家公司", "--yes", user="lead", env=EN)
    assert result.exit_code == 0, result.output
    assert "balance of INTO 60,000.00 -> 26,000.00" in result.stderr
    assert "35,000.00 of one's credit settled" in result.stderr
    reopen(db_path)
    into, source = Customer.get_by_id(into.id), Customer.get_by_id(source.id)
    # every row moved, except an evaluation of a period INTO already has
    counts = {model._meta.table_name: model.select().where(model.customer == into.id).count()
              for model in (Contact, Visit, Contract, Opportunity, Complaint, Order, Payment, Adjustment, Alert,
                            AccessGrant)}
    assert counts == {"contact": 2, "visit": 3, "contract": 1, "opportunity": 1, "complaint": 1, "order": 3,
                      "payment": 2, "adjustment": 1, "alert": 1, "access_grant": 1}
    assert sorted(e.period for e in Evaluation.select().where(Evaluation.customer == into.id)) == ["2025", "2026"]
    assert [e.period for e in Evaluation.select().where(Evaluation.customer == source.id)] == ["2026"]  # kept
    assert sorted(s.period for s in SegmentSnapshot.select().where(SegmentSnapshot.customer == into.id)) == [
        "2026Q1", "2026Q2"]
    assert not SegmentSnapshot.select().where(SegmentSnapshot.customer == source.id).exists()  # dropped
    targets = {(t.period_start.month, t.value) for t in Target.live().where(Target.customer == into.id)}
    assert targets == {(1, 30_000_000), (2, 7_000_000)}  # January's two goals added into one
    # the ledger: 60,000 - 34,000 = 26,000, and FROM's credits (30,000 + 5,000) paid INTO's open order
    postings = Posting.select().where(Posting.customer == into.id)
    assert into.balance_cents == sum(p.amount_cents for p in postings) == 2_600_000
    assert Order.get(Order.order_no == "O1").open_cents == 2_500_000
    assert Payment.get(Payment.payment_ref == "P2").unapplied_cents == 0
    assert Order.get(Order.order_no == "R1").open_cents == 0
    assert source.balance_cents == 0 and not Posting.select().where(Posting.customer == source.id).exists()
    # the merged customer: deleted, with a note pointing at the survivor; its blanks filled INTO's
    assert source.deleted_at is not None and "merged into INTO" in source.notes
    assert (into.phone, into.website) == ("022-12345678", "www.hbsh.example")
    assert into.first_deal_date == dt.date(2026, 1, 10)
    # the trail: FROM's history is INTO's now, one merge entry per table with its count
    assert AuditEntry.select().where(AuditEntry.customer == into.id, AuditEntry.field == "short_name").exists()
    merged = {e.table_name: e.new_value for e in AuditEntry.select().where(
        (AuditEntry.action == "merge") & (AuditEntry.field == "rows"))}
    assert merged == {"contact": "2", "visit": "3", "contract": "1", "opportunity": "1", "complaint": "1",
                      "evaluation": "1", "order": "2", "payment": "1", "adjustment": "1", "alert": "1",
                      "target": "1", "segment_snapshot": "1", "access_grant": "1",
                      "audit_entry": merged["audit_entry"]}
    assert int(merged["audit_entry"]) >= audit_before
    assert all(e.reason == "merge FROM into INTO: 同一家公司" and e.customer_id == into.id and e.actor_login == "lead"
               for e in AuditEntry.select().where(AuditEntry.action == "merge"))
    assert AuditEntry.get((AuditEntry.action == "delete") & (AuditEntry.table_name == "customer")).record_id == str(source.id)
    assert access.can_see(Rep.get(Rep.login == "li"), into)  # the grant on FROM now opens INTO
    # invariants hold; the merged code is listed no more
    assert kacrm("check").exit_code == 0
    codes = [row["code"] for row in json.loads(kacrm("export", "balances", "--format", "json", user="lead").stdout)]
    assert "INTO" in codes and "FROM" not in codes


def test_a_rep_cannot_merge_and_nothing_changes(kacrm, db_path, people, pair):
    before = snapshot(db_path)
    result = kacrm("merge", "FROM", "INTO", "--yes", user="wang", env=EN)
    assert result.exit_code != 0
    assert "Only a manager or an admin may merge" in result.stderr and "Traceback" not in result.output
    assert snapshot(db_path) == before


def test_merge_refusals_in_one_sentence(kacrm, db_path, people, pair, make_customer):
    make_customer(people["li"], code="SOUTH", name="华南客户", region="华南")
    before = snapshot(db_path)
    cases = [(("FROM", "INTO"), "pass --yes"),  # not on a terminal, and no --yes
             (("FROM", "FROM", "--yes"), "cannot be merged into itself"),
             (("FROM", "SOUTH", "--yes"), "no customer SOUTH you may see"),
             (("NOPE", "INTO", "--yes"), "no customer NOPE")]
    for args, words in cases:
        result = kacrm("merge", *args, user="lead", env=EN)
        assert result.exit_code != 0 and words in result.stderr, (args, result.output)
        assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(db_path) == before


def test_the_plan_is_the_merge_rolled_back(db_path, people, pair):
    from schema.merge import plan_merge

    plan = plan_merge("FROM", "INTO", actor=people["lead"])
    assert (plan.balance_before_cents, plan.balance_cents, plan.settled_cents) == (6_000_000, 2_600_000, 3_500_000)
    assert (plan.moved["order"], plan.kept, plan.dropped) == (2, {"evaluation": 1},
                                                              {"segment_snapshot": 1, "target": 1})
    reopen(db_path)
    source = Customer.get(Customer.code == "FROM")
    assert source.deleted_at is None and source.balance_cents == -3_400_000
    assert Order.select().where(Order.customer == source.id).count() == 2
    assert not AuditEntry.select().where(AuditEntry.action == "merge").exists()


def test_on_a_terminal_merge_asks_first(db_path, people, pair, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from kacrm_tui import cli_import
    from kacrm_tui.cli import cli

    monkeypatch.setattr(cli_import, "_on_terminal", lambda: True)
    args = ["--db", str(db_path), "--user", "lead", "merge", "FROM", "INTO"]
    declined = CliRunner().invoke(cli, args, input="n\n", env=EN)
    assert declined.exit_code == 1 and "Merge now? FROM will be deleted" in declined.output
    assert "its balance 60,000.00 -> 26,000.00" in declined.output
    reopen(db_path)
    assert Customer.get(Customer.code == "FROM").deleted_at is None
    accepted = CliRunner().invoke(cli, args, input="y\n", env=EN)
    assert accepted.exit_code == 0, accepted.output
    reopen(db_path)
    assert Customer.get(Customer.code == "FROM").deleted_at is not None


def test_a_score_outside_one_to_five_is_a_rejected_line(kacrm, db_path, people, tmp_path):
    path = write_excel_csv(tmp_path / "s.csv", [["客户编码", "客户名称", "意向度"], ["S1", "某公司", "6"],
                                                ["S2", "另一公司", "5"]])
    result = kacrm("import", "customers", str(path), "--format", "json", env=EN)
    assert result.exit_code == 1
    assert [(r["line"], r["field"], r["value"], r["detail"]) for r in rows_of(result) if r["outcome"] == "rejected"] \
        == [(2, "intent", "6", "a score is a whole number from 1 to 5")]
    reopen(db_path)
    assert not Customer.select().exists()


def test_with_approvals_on_a_reps_change_to_a_customer_waits_for_a_manager(kacrm, db_path, people, make_customer,
                                                                           tmp_path):
    (tmp_path / "config.toml").write_text("[access]\napprovals = true\n", encoding="utf-8")
    make_customer(people["wang"], code="W1", name="王的客户", phone="010-1111111")
    before = snapshot(db_path)
    path = write_excel_csv(tmp_path / "rep.csv", [
        ["客户编码", "客户名称", "电话"],
        ["W1", "王的客户", "010-9999999"],  # a change: waits
        ["W4", "新客户丙", ""],              # a new customer of his own: allowed
    ])
    result = kacrm("import", "customers", str(path), "--format", "json", user="wang", env=EN)
    assert result.exit_code == 1
    rejected = [(r["line"], r["field"], r["detail"]) for r in rows_of(result) if r["outcome"] == "rejected"]
    assert len(rejected) == 1 and rejected[0][:2] == (2, "code") and "approvals are on" in rejected[0][2]
    assert snapshot(db_path) == before
    unchanged = write_excel_csv(tmp_path / "same.csv", [["客户编码", "客户名称", "电话"], ["W1", "王的客户", "010-1111111"]])
    assert kacrm("import", "customers", str(unchanged), user="wang").exit_code == 0  # nothing to approve
    assert kacrm("import", "customers", str(path), user="lead").exit_code == 0  # the manager's import applies
    reopen(db_path)
    assert Customer.get(Customer.code == "W1").phone == "010-9999999"
