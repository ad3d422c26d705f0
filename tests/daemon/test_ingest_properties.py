"""Properties of ingest under any sequence of files: the ledger stays exact, re-importing changes
nothing, allocations never exceed a payment, and no file, however malformed, crashes it."""
from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from daemon.ingest import ingest_file
from schema import ledger
from schema.check import run_checks
from schema.config import load_config
from schema.db import open_database
from schema.migrate import upgrade
from schema.models import Customer, Order, Payment, PaymentAllocation, Posting, Rep

CODES = ["C1", "C2", "C3"]
cents = st.integers(min_value=1, max_value=500_000_00)


def _yuan(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


def _state(db) -> dict:
    tables = [t for t in db.get_tables() if t not in ("ingested_file", "schema_migration", "audit_entry")]
    return {t: db.execute_sql(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}


class IngestMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        self.db = open_database(str(self.dir / "k.db"))
        upgrade(self.db)
        self.boss = Rep.create(login="boss", name="Boss", role="admin")
        self.config = load_config(None, cwd=self.dir)
        master = self.dir / "master.csv"
        master.write_text("code,name,credit_days\n" + "".join(f"{c},客户{c},30\n" for c in CODES), encoding="utf-8")
        assert ingest_file(master, self.config).status == "applied"
        self.expected = {c: 0 for c in CODES}
        self.files: list[Path] = []
        self.n = 0

    def _file(self, suffix: str, text: str) -> Path:
        self.n += 1
        path = self.dir / f"f{self.n}{suffix}"
        path.write_text(text, encoding="utf-8")
        return path

    @rule(lines=st.lists(st.tuples(st.sampled_from(CODES), cents, st.booleans(), st.integers(0, 90)),
                         min_size=1, max_size=6))
    def orders_file(self, lines):
        rows = []
        for code, amount, is_return, day in lines:
            self.n += 1
            signed = -amount if is_return else amount
            rows.append(f"O{self.n},{code},{dt.date(2026, 1, 1) + dt.timedelta(days=day)},{_yuan(abs(signed)) if signed > 0 else '-' + _yuan(-signed)}")
            self.expected[code] += signed
        path = self._file(".csv", "order_no,customer_code,order_date,amount\n" + "\n".join(rows) + "\n")
        assert ingest_file(path, self.config).status == "applied"
        self.files.append(path)

    @rule(lines=st.lists(st.tuples(st.sampled_from(CODES), cents, st.booleans()), min_size=1, max_size=4))
    def payments_file(self, lines):
        rows = []
        for code, amount, name_order in lines:
            self.n += 1
            named = ""
            if name_order:
                last = Order.select().join(Customer).where(Customer.code == code).order_by(Order.id.desc()).first()
                named = last.order_no if last else ""
            rows.append(json.dumps({"payment_ref": f"P{self.n}", "customer_code": code, "paid_on": "2026-05-01",
                                    "amount": _yuan(amount), "order_no": named}))
            self.expected[code] -= amount
        path = self._file(".jsonl", "\n".join(rows) + "\n")
        assert ingest_file(path, self.config).status == "applied"
        self.files.append(path)

    @rule(code=st.sampled_from(CODES), amount=st.integers(-10_000_00, 10_000_00).filter(bool))
    def adjustment(self, code, amount):
        ledger.post_adjustment(Customer.get(Customer.code == code), amount_cents=amount, reason="对账差异", by=self.boss)
        self.expected[code] += amount

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def reimport(self, data):
        before = _state(self.db)
        path = data.draw(st.sampled_from(self.files))
        copy = self._file(path.suffix, path.read_text(encoding="utf-8"))
        assert ingest_file(copy, self.config).status == "duplicate"
        assert ingest_file(path, self.config).status == "duplicate"
        assert _state(self.db) == before

    @invariant()
    def ledger_is_exact(self):
        for customer in Customer.select():
            assert customer.balance_cents == self.expected[customer.code]
            posted = sum(e.amount_cents for e in Posting.select().where(Posting.customer == customer))
            assert posted == customer.balance_cents
        for payment in Payment.select():
            allocated = sum(a.amount_cents for a in PaymentAllocation.select().where(PaymentAllocation.payment == payment))
            assert 0 <= allocated <= payment.amount_cents
            assert allocated + payment.unapplied_cents == payment.amount_cents
        assert all(r.ok for r in run_checks(self.db)), [r for r in run_checks(self.db) if not r.ok]

    def teardown(self):
        self.db.close()
        self.tmp.cleanup()


IngestMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=12, deadline=None,
                                           suppress_health_check=[HealthCheck.too_slow])
test_ingest_state_machine = IngestMachine.TestCase


header = st.sampled_from(["order_no,customer_code,order_date,amount", "流水号,客户编码,到账日期,金额",
                          "code,name", "订单号,客户编码,日期,价税合计", "garbage,columns", ""])
cell = st.one_of(st.text(max_size=12), st.sampled_from(["C1", "2026-02-30", "1,2,3", "1.005", "-", "\"", "¥1",
                                                         "１２３", "NaN", "1e9", "20261301", "\x00"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(head=header, rows=st.lists(st.lists(cell, min_size=0, max_size=6), max_size=6),
       encoding=st.sampled_from(["utf-8", "gb18030", "utf-8-sig"]), raw=st.binary(max_size=64),
       use_raw=st.booleans())
def test_malformed_files_never_crash_and_change_nothing(tmp_path_factory, head, rows, encoding, raw, use_raw):
    work = tmp_path_factory.mktemp("fuzz")
    db = open_database(str(work / "k.db"))
    try:
        upgrade(db)
        Rep.create(login="root", name="Root", role="admin")
        config = load_config(None, cwd=work)
        master = work / "m.csv"
        master.write_text("code,name\nC1,甲\n", encoding="utf-8")
        ingest_file(master, config)
        before = _state(db)
        path = work / "drop.csv"
        if use_raw:
            path.write_bytes(raw)
        else:
            text = head + "\n" + "\n".join(",".join(r) for r in rows)
            path.write_bytes(text.encode(encoding, errors="replace"))
        outcome = ingest_file(path, config)
        assert outcome.status in ("applied", "rejected")
        if outcome.status == "rejected":
            assert outcome.errors and _state(db) == before
        assert all(r.ok for r in run_checks(db))
    finally:
        db.close()
