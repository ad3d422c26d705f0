"""Sample drop files for the demo's inbox: new orders and payments as the ERP and the bank deliver
them (DESIGN §4 file formats), for the daemon to ingest when the demo starts.

- `orders_YYYYMMDD.csv`: UTF-8, English headers, ISO dates, plain amounts.
- `订单_ERP导出.csv`: GB18030 with CRLF line ends, Chinese headers, YYYY/MM/DD dates and quoted
  amounts with thousands separators, the way Excel in China saves a CSV.
- `payments_bank.xlsx`: a bank statement with Chinese headers, real date cells and numeric amounts.
- `payments_YYYYMMDD.jsonl`: one JSON object a line, English keys, amounts as strings.

Numbers and references carry a letter the demo's history never uses, so none is in the database."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import random
from pathlib import Path

from openpyxl import Workbook

from schema import vocab
from schema.money import format_money, from_cents

METHODS = ("transfer", "transfer", "transfer", "bill", "cheque", "cash")


def _amount(rng: random.Random) -> int:
    """An order amount in cents: mostly round, sometimes with cents, now and then over a million."""
    if rng.random() < 0.1:
        return rng.randrange(100, 300) * 1_000_000  # 1,000,000.00 to 3,000,000.00 yuan
    yuan = rng.randrange(8_000, 500_000)
    return yuan * 100 + rng.randrange(100) if rng.random() < 0.3 else yuan // 100 * 10_000


def _replace_into(path: Path, data: bytes) -> Path:
    """Write `data` under a hidden temporary name and rename it into place: the daemon only ever
    sees the complete file."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return path


def write_drop_files(inbox: Path, customers: list[tuple[str, str]], rng: random.Random,
                     today: dt.date) -> list[Path]:
    """Write the four sample files into `inbox` (creating it and its `archive`/`rejected` siblings)
    for the customers given as (code, name); returns their paths."""
    inbox = Path(inbox)
    for folder in (inbox, inbox.parent / "archive", inbox.parent / "rejected"):
        folder.mkdir(parents=True, exist_ok=True)
    if not customers:
        return []
    day = today.strftime("%Y%m%d")
    yesterday = today - dt.timedelta(days=1)

    def order(number: str) -> tuple[str, str, dt.date, int, dt.date]:
        code = rng.choice(customers)[0]
        when = rng.choice((yesterday, today))
        return number, code, when, _amount(rng), when + dt.timedelta(days=rng.choice((30, 45, 60, 90)))

    english = [order(f"XS-{day}-D{n:03d}") for n in range(1, 13)]
    chinese = [order(f"ERP{day}E{n:04d}") for n in range(1, 11)]
    paths = []

    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["order_no", "customer_code", "order_date", "amount", "due_date"])
    writer.writerows([no, code, when.isoformat(), format_money(cents), due.isoformat()]
                     for no, code, when, cents, due in english)
    paths.append(_replace_into(inbox / f"orders_{day}.csv", text.getvalue().encode("utf-8")))

    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(["订单号", "客户编码", "订单日期", "金额", "到期日"])
    writer.writerows([no, code, when.strftime("%Y/%m/%d"), format_money(cents, grouping=True), due.strftime("%Y/%m/%d")]
                     for no, code, when, cents, due in chinese)
    paths.append(_replace_into(inbox / "订单_ERP导出.csv", text.getvalue().encode("gb18030")))

    new_orders = english + chinese
    book = Workbook()
    sheet = book.active
    sheet.title = "回款明细"
    sheet.append(["流水号", "客户编码", "订单号", "到账日期", "金额", "方式"])
    for n in range(1, 9):
        named = rng.random() < 0.5
        number, code, _, cents, _ = rng.choice(new_orders) if named else ("", rng.choice(customers)[0], None, 0, None)
        if not named:
            cents = rng.randrange(10, 300) * 100_000
        method = rng.choice(METHODS)
        sheet.append([f"BK{day}D{n:04d}", code, number or None, today, from_cents(cents),
                      vocab.label(vocab.PAYMENT_METHODS, method, "zh")])
        sheet.cell(row=n + 1, column=4).number_format = "yyyy-mm-dd"
        sheet.cell(row=n + 1, column=5).number_format = "#,##0.00"
    for column, width in zip("ABCDEF", (20, 12, 22, 12, 16, 10)):
        sheet.column_dimensions[column].width = width
    book.properties.creator = "kacrm demo"
    book.properties.created = dt.datetime.combine(today, dt.time(9))
    buffer = io.BytesIO()
    book.save(buffer)
    paths.append(_replace_into(inbox / "payments_bank.xlsx", buffer.getvalue()))

    lines = []
    for n in range(1, 7):
        code = rng.choice(customers)[0]
        line = {"payment_ref": f"WX-{day}-{n:04d}", "customer_code": code, "paid_on": today.isoformat(),
                "amount": format_money(rng.randrange(5, 200) * 100_000 + rng.choice((0, 0, 50))),
                "method": rng.choice(METHODS)}
        lines.append(json.dumps(line, ensure_ascii=False))
    paths.append(_replace_into(inbox / f"payments_{day}.jsonl", ("\n".join(lines) + "\n").encode("utf-8")))
    return paths
