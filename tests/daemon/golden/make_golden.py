"""Write the golden drop files and, beside each, `NAME.expected.json`: what reading it must give.

Each file is rendered from typed data declared below (dates, integer cents, Decimal) in the way a
real writer would put it on disk (an ERP's CSV, Excel's GB18030 CSV, openpyxl for XLSX), so the
expectations come from the intent, not from the code under test. Run from anywhere:

    .venv/bin/python tests/daemon/golden/make_golden.py
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
D = dt.date


def _cells_csv(rows: list[list[Any]], *, delimiter: str = ",", newline: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)  # minimal quoting, as Excel
    writer.writerows(rows)
    return out.getvalue()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _expect(name: str, *, kind: str, fmt: str, encoding: str, columns: dict[str, str],
            records: list[tuple[int, dict[str, Any]]], ignored: list[str] | None = None) -> None:
    expected = {
        "kind": kind, "format": fmt, "encoding": encoding, "columns": columns, "ignored_columns": ignored or [],
        "records": [{"line": line, "fields": {k: _jsonable(v) for k, v in fields.items()}} for line, fields in records],
    }
    (HERE / f"{name}.expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n",
                                               encoding="utf-8")


def orders_utf8_en() -> None:
    """An ERP export in UTF-8 without BOM, English headers, LF, every optional column, an extra
    column to ignore, and amounts in every accepted dress."""
    header = ["order_no", "customer_code", "order_date", "amount", "due_date", "cost", "sku", "product",
              "qty", "unit_price", "currency", "remark"]
    rows = [
        ["XS-2026-0001", "C1001", "2026-10-08", "1,250,000.00", "2026-11-22", "1100000", "P-100", "Lube oil 200L",
         "50", "25000.00", "CNY", "first"],
        ["XS-2026-0002", "C1002", "2026/10/09", "¥86,400.50", "", "", "", "", "", "", "RMB", ""],
        ["XS-2026-0003", " C1003 ", "20261012", "418000", "", "380,000.00", "P-200", "Grease", "1.5", "12.345678",
         "", ""],
        ["XS-2026-0004", "C1001", "2026.10.20", "(50,000.00)", "", "-44,000.00", "", "", "", "", "", "return"],
        ["XS-2026-0005", "C1002", "2026-10-31 00:00:00", "１２３４．５６", "2026-12-01", "", "", "", "", "", "", ""],
    ]
    (HERE / "orders_utf8_en.csv").write_text(_cells_csv([header, *rows]), encoding="utf-8")
    _expect("orders_utf8_en", kind="orders", fmt="csv", encoding="utf-8",
            columns={name: name for name in header[:-1]}, ignored=["remark"], records=[
                (2, {"order_no": "XS-2026-0001", "customer_code": "C1001", "order_date": D(2026, 10, 8),
                     "amount": 125000000, "due_date": D(2026, 11, 22), "cost": 110000000, "sku": "P-100",
                     "product": "Lube oil 200L", "qty": Decimal("50"), "unit_price": Decimal("25000.00")}),
                (3, {"order_no": "XS-2026-0002", "customer_code": "C1002", "order_date": D(2026, 10, 9),
                     "amount": 8640050}),
                (4, {"order_no": "XS-2026-0003", "customer_code": "C1003", "order_date": D(2026, 10, 12),
                     "amount": 41800000, "cost": 38000000, "sku": "P-200", "product": "Grease", "qty": Decimal("1.5"),
                     "unit_price": Decimal("12.345678")}),
                (5, {"order_no": "XS-2026-0004", "customer_code": "C1001", "order_date": D(2026, 10, 20),
                     "amount": -5000000, "cost": -4400000}),
                (6, {"order_no": "XS-2026-0005", "customer_code": "C1002", "order_date": D(2026, 10, 31),
                     "amount": 123456, "due_date": D(2026, 12, 1)}),
            ])


def orders_gb18030_excel() -> None:
    """What Excel in China writes for "CSV (逗号分隔)": GB18030, Chinese headers, CRLF, money
    with thousands separators quoted, a product cell with a line break (Alt+Enter) inside."""
    header = ["单据编号", "客户代码", "日期", "价税合计", "成本", "产品"]
    rows = [
        ["XS-2026-0001", "C1001", "2026/10/8", "1,250,000.00", "1,100,000.00", "工业润滑油"],
        ["XS-2026-0002", "C1002", "2026/10/9", "86,400.50", "70,000.00", "生活用纸\n(整箱)"],
        ["XS-2026-0003", "C1003", "2026/10/12", "418,000", "380,000", "汽车配件"],
        ["XS-2026-0004", "C1001", "2026/10/20", "-50,000.00", "-44,000.00", "工业润滑油 退货"],
    ]
    (HERE / "orders_gb18030_excel.csv").write_bytes(_cells_csv([header, *rows], newline="\r\n").encode("gb18030"))
    _expect("orders_gb18030_excel", kind="orders", fmt="csv", encoding="gb18030",
            columns={"order_no": "单据编号", "customer_code": "客户代码", "order_date": "日期", "amount": "价税合计",
                     "cost": "成本", "product": "产品"}, records=[
                (2, {"order_no": "XS-2026-0001", "customer_code": "C1001", "order_date": D(2026, 10, 8),
                     "amount": 125000000, "cost": 110000000, "product": "工业润滑油"}),
                (3, {"order_no": "XS-2026-0002", "customer_code": "C1002", "order_date": D(2026, 10, 9),
                     "amount": 8640050, "cost": 7000000, "product": "生活用纸\n(整箱)"}),
                (5, {"order_no": "XS-2026-0003", "customer_code": "C1003", "order_date": D(2026, 10, 12),
                     "amount": 41800000, "cost": 38000000, "product": "汽车配件"}),
                (6, {"order_no": "XS-2026-0004", "customer_code": "C1001", "order_date": D(2026, 10, 20),
                     "amount": -5000000, "cost": -4400000, "product": "工业润滑油 退货"}),
            ])


def orders_gb18030_misleading() -> None:
    """GB18030 whose header and first data line are also valid UTF-8 (牛皮 and 毛毡 in GB18030
    happen to be well-formed UTF-8 bytes): a reader that guesses from the first lines decodes
    them as other characters; only the whole file tells, at line 4 (纸箱)."""
    header = ["order_no", "customer_code", "order_date", "amount", "product"]
    rows = [
        ["XS-2026-0101", "C1001", "2026-11-02", "100.00", "牛皮"],
        ["XS-2026-0102", "C1002", "2026-11-02", "200.00", "毛毡"],
        ["XS-2026-0103", "C1003", "2026-11-03", "300.00", "纸箱"],
    ]
    data = _cells_csv([header, *rows], newline="\r\n").encode("gb18030")
    first_lines = b"\r\n".join(data.split(b"\r\n")[:3])
    first_lines.decode("utf-8")  # the trap: the first three lines alone read as UTF-8
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:  # pragma: no cover
        raise AssertionError("the whole file must not be UTF-8")
    (HERE / "orders_gb18030_misleading.csv").write_bytes(data)
    _expect("orders_gb18030_misleading", kind="orders", fmt="csv", encoding="gb18030",
            columns={name: name for name in header}, records=[
                (line, {"order_no": no, "customer_code": code, "order_date": D.fromisoformat(day),
                        "amount": int(Decimal(amount) * 100), "product": product})
                for line, (no, code, day, amount, product) in enumerate(rows, start=2)])


def payments_utf8_bom() -> None:
    """A bank statement saved by Excel as "CSV UTF-8": BOM, Chinese headers, CRLF, Chinese methods."""
    header = ["交易流水号", "客户编码", "到账日期", "回款金额", "结算方式", "订单号", "摘要"]
    rows = [
        ["BK20261015001", "C1001", "2026-10-15", "600,000.00", "银行转账", "", "货款"],
        ["BK20261016002", "C1002", "2026/10/16", "86,400.50", "银行承兑汇票", "XS-2026-0002", ""],
        ["BK20261030003", "C1003", "20261030", "￥500,000", "电汇", "", ""],
        ["BK20261031004", "C1003", "2026-10-31", "1,200.00", "现金", "", ""],
        ["BK20261031005", "C1001", "2026-10-31", "3,000.00", "支票", "", ""],
        ["BK20261031006", "C1002", "2026-10-31", "50.00", "", "", ""],
    ]
    (HERE / "payments_utf8_bom.csv").write_bytes(b"\xef\xbb\xbf" + _cells_csv([header, *rows], newline="\r\n").encode())
    methods = ["transfer", "bill", "transfer", "cash", "cheque", None]
    cents = [60000000, 8640050, 50000000, 120000, 300000, 5000]
    days = [D(2026, 10, 15), D(2026, 10, 16), D(2026, 10, 30), D(2026, 10, 31), D(2026, 10, 31), D(2026, 10, 31)]
    records = []
    for line, (row, method, amount, day) in enumerate(zip(rows, methods, cents, days), start=2):
        fields = {"payment_ref": row[0], "customer_code": row[1], "paid_on": day, "amount": amount}
        if method:
            fields["method"] = method
        if row[5]:
            fields["order_no"] = row[5]
        records.append((line, fields))
    _expect("payments_utf8_bom", kind="payments", fmt="csv", encoding="utf-8-sig",
            columns={"payment_ref": "交易流水号", "customer_code": "客户编码", "paid_on": "到账日期",
                     "amount": "回款金额", "method": "结算方式", "order_no": "订单号"},
            ignored=["摘要"], records=records)


def payments_semicolon() -> None:
    """A semicolon-separated export (some bank portals), English headers with other spellings."""
    header = ["Payment Reference", "Customer ID", "Payment Date", "amount", "Payment Method"]
    rows = [
        ["WX-1001", "C1001", "2026-11-01", "1000.00", "transfer"],
        ["WX-1002", "C1002", "2026-11-02", "2,500.50", "Cheque"],
        ["WX-1003", "C1003", "2026-11-03", "RMB 99.90", "bank acceptance bill"],
    ]
    (HERE / "payments_semicolon.csv").write_text(_cells_csv([header, *rows], delimiter=";"), encoding="utf-8")
    _expect("payments_semicolon", kind="payments", fmt="csv", encoding="utf-8",
            columns={"payment_ref": "Payment Reference", "customer_code": "Customer ID", "paid_on": "Payment Date",
                     "amount": "amount", "method": "Payment Method"}, records=[
                (2, {"payment_ref": "WX-1001", "customer_code": "C1001", "paid_on": D(2026, 11, 1),
                     "amount": 100000, "method": "transfer"}),
                (3, {"payment_ref": "WX-1002", "customer_code": "C1002", "paid_on": D(2026, 11, 2),
                     "amount": 250050, "method": "cheque"}),
                (4, {"payment_ref": "WX-1003", "customer_code": "C1003", "paid_on": D(2026, 11, 3),
                     "amount": 9990, "method": "bill"}),
            ])


def orders_excel_xlsx() -> None:
    """An XLSX as Excel keeps it: date cells, float amounts (86400.5 and a formula's
    1234.5600000000002), an integer amount, a date typed as a bare serial number, an order
    number stored as a number, a text amount, a blank row, and a second sheet that is ignored."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "销售订单"
    sheet.append(["订单号", "客户编码", "订单日期", "金额", "到期日"])
    sheet.append(["XS-2026-0001", "C1001", dt.datetime(2026, 10, 8), 1250000, dt.date(2026, 11, 22)])
    sheet.append(["XS-2026-0002", "C1002", dt.datetime(2026, 10, 9), 86400.5, None])
    sheet.append([None, None, None, None, None])
    sheet.append(["XS-2026-0003", "C1003", 46307, 1234.5600000000002, None])  # 46307 = 2026-10-12
    sheet.append([20260004, "C1001", "2026/10/20", "-50,000.00", 46346])  # 46346 = 2026-11-20
    notes = book.create_sheet("说明")
    notes.append(["这个工作表不导入"])
    book.save(HERE / "orders_excel.xlsx")
    _expect("orders_excel", kind="orders", fmt="xlsx", encoding="",
            columns={"order_no": "订单号", "customer_code": "客户编码", "order_date": "订单日期", "amount": "金额",
                     "due_date": "到期日"}, records=[
                (2, {"order_no": "XS-2026-0001", "customer_code": "C1001", "order_date": D(2026, 10, 8),
                     "amount": 125000000, "due_date": D(2026, 11, 22)}),
                (3, {"order_no": "XS-2026-0002", "customer_code": "C1002", "order_date": D(2026, 10, 9),
                     "amount": 8640050}),
                (5, {"order_no": "XS-2026-0003", "customer_code": "C1003", "order_date": D(2026, 10, 12),
                     "amount": 123456}),
                (6, {"order_no": "20260004", "customer_code": "C1001", "order_date": D(2026, 10, 20),
                     "amount": -5000000, "due_date": D(2026, 11, 20)}),
            ])


def payments_jsonl() -> None:
    """JSON Lines: numbers and strings for money, a date as a number, Chinese keys on one line,
    a blank line (counted, skipped)."""
    lines = [
        '{"payment_ref": "WX-0001", "customer_code": "C1001", "paid_on": "2026-11-02", "amount": 100000.00, '
        '"method": "transfer"}',
        "",
        '{"payment_ref": "WX-0002", "customer_code": "C1002", "paid_on": 20261103, "amount": "¥1,234.50"}',
        '{"流水号": "WX-0003", "客户编码": "C1003", "回款日期": "2026/11/04", "回款金额": 300, "方式": "现金", '
        '"备注": "ignored"}',
    ]
    (HERE / "payments.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _expect("payments", kind="payments", fmt="jsonl", encoding="",
            columns={"payment_ref": "payment_ref", "customer_code": "customer_code", "paid_on": "paid_on",
                     "amount": "amount", "method": "method"}, records=[
                (1, {"payment_ref": "WX-0001", "customer_code": "C1001", "paid_on": D(2026, 11, 2),
                     "amount": 10000000, "method": "transfer"}),
                (3, {"payment_ref": "WX-0002", "customer_code": "C1002", "paid_on": D(2026, 11, 3),
                     "amount": 123450}),
                (4, {"payment_ref": "WX-0003", "customer_code": "C1003", "paid_on": D(2026, 11, 4),
                     "amount": 30000, "method": "cash"}),
            ])


def customers_master() -> None:
    """A customer master (UTF-8 with BOM): archive columns by alias, labels in Chinese or
    English mapped to keys, money to cents, counts to int, empty cells left out."""
    header = ["客户编码", "客户名称", "客户经理", "信用额度", "账期", "等级", "渠道", "客户状态", "客户性质",
              "组织形式", "结算方式", "成立日期", "员工人数", "注册资本", "电话"]
    rows = [
        ["C1001", "华北石化销售有限公司", "wang", "2,000,000.00", "45", "A", "经销商", "现有", "普通公司", "国有",
         "月结", "1998-05-01", "1,200", "50,000,000", "022-12345678"],
        ["C1002", "广州洁柔生活用纸经销部", "li", "300000", "30", "b", "KA store", "prospect", "交易伙伴", "私营",
         "票据", "", "", "", ""],
        ["C1003", "", "", "", "", "C类", "direct_user", "", "", "Joint venture", "Cash on delivery", "2010/3/15",
         "85", "", ""],
    ]
    (HERE / "customers_master.csv").write_bytes(b"\xef\xbb\xbf" + _cells_csv([header, *rows], newline="\r\n").encode())
    _expect("customers_master", kind="customers", fmt="csv", encoding="utf-8-sig",
            columns={"code": "客户编码", "name": "客户名称", "owner": "客户经理", "credit_limit": "信用额度",
                     "credit_days": "账期", "grade": "等级", "channel": "渠道", "lifecycle": "客户状态",
                     "nature": "客户性质", "org_form": "组织形式", "settlement_method": "结算方式",
                     "founded": "成立日期", "employees": "员工人数", "registered_capital": "注册资本",
                     "phone": "电话"}, records=[
                (2, {"code": "C1001", "name": "华北石化销售有限公司", "owner": "wang", "credit_limit": 200000000,
                     "credit_days": 45, "grade": "A", "channel": "distributor", "lifecycle": "active",
                     "nature": "company", "org_form": "state", "settlement_method": "monthly",
                     "founded": D(1998, 5, 1), "employees": 1200, "registered_capital": 5000000000,
                     "phone": "022-12345678"}),
                (3, {"code": "C1002", "name": "广州洁柔生活用纸经销部", "owner": "li", "credit_limit": 30000000,
                     "credit_days": 30, "grade": "B", "channel": "ka_store", "lifecycle": "prospect",
                     "nature": "partner", "org_form": "private", "settlement_method": "bill"}),
                (4, {"code": "C1003", "grade": "C", "channel": "direct_user", "org_form": "joint_venture",
                     "settlement_method": "cash", "founded": D(2010, 3, 15), "employees": 85}),
            ])


GOLDEN = (orders_utf8_en, orders_gb18030_excel, orders_gb18030_misleading, payments_utf8_bom, payments_semicolon,
          orders_excel_xlsx, payments_jsonl, customers_master)

if __name__ == "__main__":
    for make in GOLDEN:
        make()
    print(f"wrote {len(GOLDEN)} golden files to {HERE}")
