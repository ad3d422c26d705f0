"""`kacrm export statement`: a customer statement (对账单) out of kacrm, to be checked and signed.

XLSX and HTML are the paper copy: our company's header from `[company]`, the customer, the period,
the lines between the opening and the closing balance, the aging at the closing day and a
signature block for both sides. CSV, JSON and the terminal table are the lines alone, with the
opening and closing balances as the first and last rows. The figures are `schema.statement`'s.
A file is written under a temporary name and renamed into place, so a failed export leaves none."""
from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import os
import sys
import unicodedata
from pathlib import Path
from typing import Any

from kacrm_tui.i18n import bucket_title, language, t
from kacrm_tui.writers import neutralize
from schema import clock, vocab
from schema.config import CompanyConfig
from schema.errors import ValidationError
from schema.money import format_money, from_cents
from schema.statement import Statement, StatementLine

FORMATS = ("csv", "json", "xlsx", "html", "table")
FIELDS = ("date", "document", "kind", "description", "debit", "credit", "balance")
MONEY = ("debit", "credit", "balance")
MONEY_FORMAT = "#,##0.00"


def export_statement(app, *, code: str, date_from: dt.date, date_to: dt.date, fmt: str | None,
                     output: str | None, encoding: str) -> int:
    """Write the statement of customer `code` for `date_from`..`date_to` as `fmt` (by default from
    the output's suffix, else a table on a terminal and CSV for a pipe) to `output` (a path, '-' or
    None for standard output), note the export in the audit trail, and return the number of
    postings in the period."""
    from schema.audit import record_export
    from schema.statement import statement

    fmt = _pick_format(fmt, output)
    to_stdout = output in (None, "-")
    if fmt == "xlsx" and to_stdout and sys.stdout.isatty():
        raise ValidationError("An XLSX statement cannot go to a terminal; give --output FILE.xlsx.")
    rep = app.actor()
    config = app.config
    found = statement(rep, code, date_from, date_to, config.aging)
    if fmt == "table":
        _table(found, config.company)
    else:
        if fmt == "xlsx":
            data = _xlsx(found, config.company)
        elif fmt == "html":
            data = _html(found, config.company).encode("utf-8")
        elif fmt == "json":
            data = _json(found).encode("utf-8")
        else:
            data = _csv(found, encoding)
        _deliver(data, output)
    record_export(rep, kind="statement", rows=len(found.lines), customer=found.customer_id,
                  filters={"customer": code, "from": date_from, "to": date_to, "format": fmt, "output": output,
                           "encoding": encoding if fmt == "csv" else None})
    return len(found.lines)


def _pick_format(fmt: str | None, output: str | None) -> str:
    if fmt is not None:
        if fmt not in FORMATS:
            raise ValidationError(f"A statement is written as one of {', '.join(FORMATS)}, not {fmt}.")
        return fmt
    suffix = Path(output).suffix.lower() if output not in (None, "-") else ""
    by_suffix = {".xlsx": "xlsx", ".html": "html", ".htm": "html", ".json": "json", ".csv": "csv"}
    if suffix in by_suffix:
        return by_suffix[suffix]
    return "table" if output in (None, "-") and sys.stdout.isatty() else "csv"


def _deliver(data: bytes, output: str | None) -> None:
    """`data` to standard output, or to `output` through a temporary name renamed into place."""
    if output in (None, "-"):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target = Path(output)
    try:
        if target.exists() and not target.is_file():  # /dev/null, a FIFO: write into it, never replace it
            target.write_bytes(data)
            return
        partial = target.with_name(f".{target.name}.partial")
        try:
            partial.write_bytes(data)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    except OSError as exc:
        raise ValidationError(f"Cannot write {output}: {exc.strerror}; choose another --output.") from None


# -- the lines -----------------------------------------------------------------------------------

def describe(line: StatementLine) -> str:
    """A line's description in the current language (摘要)."""
    if line.kind == "order":
        return t("statement.order", due=line.due_on.isoformat() if line.due_on else "")
    if line.kind == "return":
        return t("statement.return")
    if line.kind == "payment":
        method = vocab.label(vocab.PAYMENT_METHODS, line.method, language())
        return (t("statement.payment_for", method=method, order=line.order_no) if line.order_no
                else t("statement.payment", method=method))
    if line.reverses:
        return t("statement.reversal", document=line.reverses, reason=line.reason)
    return t("statement.adjustment", reason=line.reason)


def _rows(found: Statement) -> list[dict[str, Any]]:
    """The opening balance, each line, the closing balance: dates as dates, money as cents (None
    where a column does not apply)."""
    rows = [{"date": found.date_from, "document": "", "kind": "opening", "kind_title": "",
             "description": t("statement.opening"), "debit": None, "credit": None, "balance": found.opening_cents}]
    rows += [{"date": line.posted_on, "document": line.document, "kind": line.kind,
              "kind_title": vocab.label(vocab.LEDGER_KINDS, line.kind, language()), "description": describe(line),
              "debit": line.debit_cents, "credit": line.credit_cents, "balance": line.balance_cents}
             for line in found.lines]
    rows.append({"date": found.date_to, "document": "", "kind": "closing", "kind_title": "",
                 "description": t("statement.closing"), "debit": None, "credit": None, "balance": found.closing_cents})
    return rows


def _csv(found: Statement, encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for row in _rows(found):
        writer.writerow([("" if row[k] is None else format_money(row[k])) if k in MONEY
                         else row[k].isoformat() if k == "date" else neutralize(row[k]) for k in FIELDS])
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM tells Excel it is UTF-8
    try:
        return out.getvalue().encode(encoding)
    except LookupError:
        raise ValidationError(f"Unknown encoding {encoding}; use utf-8 or gb18030.") from None


def _json(found: Statement) -> str:
    items = [{k: (None if row[k] is None else format_money(row[k])) if k in MONEY
              else row[k].isoformat() if k == "date" else row[k] for k in FIELDS} for row in _rows(found)]
    return "[\n" + ",\n".join(" " + json.dumps(item, ensure_ascii=False) for item in items) + "\n]\n"  # a row a line


def _table(found: Statement, company: CompanyConfig) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for text in (company.name, f"{t('statement.title')}  {found.code} {found.name}",
                 f"{t('statement.period')}{_colon()}{t('statement.period_range', start=found.date_from, end=found.date_to)}"):
        if text:
            console.print(text, markup=False, highlight=False)
    table = Table(show_edge=False, header_style="bold")
    for key in FIELDS:
        if key != "kind":
            table.add_column(t(f"statement.{key}"), justify="right" if key in MONEY else "left",
                             no_wrap=key in MONEY or key == "date", overflow="fold")
    for row in _rows(found):
        table.add_row(row["date"].isoformat(), row["document"], row["description"],
                      *("" if not row[k] and (k != "balance" or row[k] is None) else format_money(row[k], grouping=True)
                        for k in MONEY))
    console.print(table)
    buckets = "  ".join(f"{bucket_title(name)} {format_money(cents, grouping=True)}"
                        for name, cents in found.aging.items())
    console.print(f"{t('statement.aging', day=found.date_to)}{_colon()}{buckets}  {t('col.unapplied_credit')} "
                  f"{format_money(-found.unapplied_credit_cents, grouping=True)}", markup=False, highlight=False)


# -- the paper copy: the parts both XLSX and HTML print ---------------------------------------------

def _company_lines(company: CompanyConfig) -> list[str]:
    groups = [[("statement.address", company.address), ("statement.phone", company.phone)],
              [("statement.tax_id", company.tax_id)],
              [("statement.bank", company.bank), ("statement.account", company.account)]]
    lines = ["    ".join(f"{t(key)}{_colon()}{' '.join(value.split())}" for key, value in group if value.strip())
             for group in groups]
    return [line for line in lines if line]


def _customer_block(found: Statement) -> list[tuple[str, str, str, str]]:
    contact = " ".join(part for part in (found.contact_name, found.contact_phone) if part)
    return [(t("col.code"), found.code, t("col.customer_name"), found.name),
            (t("statement.address"), found.address, t("statement.phone"), found.phone),
            (t("statement.contact"), contact, t("col.owner"), " ".join(p for p in (found.owner_name, found.owner_phone) if p)),
            (t("statement.period"), t("statement.period_range", start=found.date_from, end=found.date_to),
             t("statement.printed_on"), clock.today().isoformat())]


def _aging_cells(found: Statement) -> tuple[list[str], list[int]]:
    titles = [bucket_title(name) for name in found.aging] + [t("col.unapplied_credit"), t("col.balance")]
    return titles, [*found.aging.values(), -found.unapplied_credit_cents, found.closing_cents]


def _signature_rows() -> list[str]:
    return [t("statement.signature"), t("statement.stamp"), t("statement.sign_date")]


def _colon() -> str:
    return ": " if language() == "en" else "："


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _xlsx(found: Statement, company: CompanyConfig) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = t("statement.sheet")
    titles = [t(f"statement.{key}") for key in FIELDS]
    width = len(FIELDS)
    widths = {col: _width(title) + 2 for col, title in enumerate(titles, 1)}  # in characters, by column
    bold, thin = Font(bold=True), Side(style="thin")
    box = Border(top=thin, bottom=thin, left=thin, right=thin)

    def put(row: int, col: int, value: Any, *, font=None, money=False, border=None, fit=True):
        if isinstance(value, str):
            value = neutralize(value) if value else None  # an empty cell, not an empty string
        cell = sheet.cell(row=row, column=col, value=value)
        if money:
            cell.number_format = MONEY_FORMAT
        elif isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
        if font is not None:
            cell.font = font
        if border is not None:
            cell.border = border
        if fit and value is not None:
            if money:
                shown = format_money(int(value * 100), grouping=True)
            else:
                shown = value.strftime("%Y-%m-%d") if isinstance(value, dt.date) else str(value)
            widths[col] = max(widths.get(col, 8), min(_width(shown) + 2, 50))
        return cell

    def banner(row: int, text: str, font) -> None:
        put(row, 1, text, font=font, fit=False).alignment = Alignment(horizontal="center", wrap_text=True)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)

    r = 1
    if company.name.strip():
        banner(r, " ".join(company.name.split()), Font(bold=True, size=14))
        r += 1
    for text in _company_lines(company):
        banner(r, text, Font(size=9))
        r += 1
    banner(r, t("statement.title"), Font(bold=True, size=16))
    r += 2
    for label, value, label2, value2 in _customer_block(found):
        put(r, 1, label, font=bold)
        put(r, 2, value, fit=False)
        sheet.merge_cells(start_row=r, start_column=2, end_row=r, end_column=4)
        put(r, 5, label2, font=bold, fit=False)
        put(r, 6, value2, fit=False)
        sheet.merge_cells(start_row=r, start_column=6, end_row=r, end_column=width)
        r += 1
    r += 1
    header = r
    for col, title in enumerate(titles, 1):
        cell = put(r, col, title, font=bold, border=box)
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
        cell.alignment = Alignment(horizontal="center")
    sheet.freeze_panes = sheet.cell(row=header + 1, column=1)
    sheet.print_title_rows = f"{header}:{header}"  # the table's header on every printed page
    rows = _rows(found)
    totals = {"date": None, "document": "", "kind": "totals", "kind_title": "", "description": t("statement.totals"),
              "debit": found.debit_cents, "credit": found.credit_cents, "balance": None}
    for row in [*rows[:-1], totals, rows[-1]]:
        r += 1
        font = bold if row["kind"] in ("opening", "closing", "totals") else None
        for col, key in enumerate(FIELDS, 1):
            value = row["kind_title"] if key == "kind" else row[key]
            if key in MONEY:
                blank = value is None or (value == 0 and key != "balance")
                put(r, col, None if blank else from_cents(value), money=True, font=font, border=box)
            elif key == "description":  # capped in width, so a long reason wraps
                put(r, col, value, font=font, border=box).alignment = Alignment(wrap_text=True, vertical="top")
            else:
                put(r, col, value, font=font, border=box).alignment = Alignment(vertical="top")
    r += 2
    put(r, 1, t("statement.aging", day=found.date_to), font=bold, fit=False)
    bucket_titles, amounts = _aging_cells(found)
    for col, (title, cents) in enumerate(zip(bucket_titles, amounts), 1):
        put(r + 1, col, title, font=bold, border=box).alignment = Alignment(horizontal="center")
        put(r + 2, col, from_cents(cents), money=True, border=box)
    r += 4
    banner(r, t("statement.confirm"), Font(size=10))
    sheet.cell(row=r, column=1).alignment = Alignment(horizontal="left", wrap_text=True)
    sheet.row_dimensions[r].height = 30
    r += 2
    put(r, 1, f"{t('statement.our_company')}{_colon()}{' '.join(company.name.split())}", font=bold, fit=False)
    put(r, 5, f"{t('statement.the_customer')}{_colon()}{found.name}", font=bold, fit=False)
    for label in _signature_rows():
        r += 2
        put(r, 1, f"{label}{_colon()}", fit=False)
        put(r, 5, f"{label}{_colon()}", fit=False)
    for col, chars in widths.items():
        sheet.column_dimensions[get_column_letter(col)].width = chars
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HTML_STYLE = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", SimSun, sans-serif;
       font-size: 10pt; color: #000; margin: 0 auto; max-width: 186mm; }
.company { text-align: center; } .company h2 { margin: 0; font-size: 14pt; } .company p { margin: 1mm 0; font-size: 8.5pt; }
h1 { text-align: center; font-size: 16pt; letter-spacing: 0.2em; margin: 4mm 0; }
table { width: 100%; border-collapse: collapse; }
table.customer td { padding: 1mm 2mm; } table.customer th { text-align: left; white-space: nowrap; padding: 1mm 2mm; }
table.lines, table.aging { margin-top: 4mm; }
table.lines th, table.lines td, table.aging th, table.aging td { border: 0.5pt solid #000; padding: 1mm 1.5mm; }
table.lines th, table.aging th { background: #e6e6e6; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
td.money { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.date { white-space: nowrap; }
tr.sum td { font-weight: bold; }
.aging-title { margin-top: 5mm; font-weight: bold; }
.confirm { margin-top: 5mm; }
.signatures { display: flex; justify-content: space-between; margin-top: 6mm; page-break-inside: avoid; break-inside: avoid; }
.signatures div { width: 46%; } .signatures p { margin: 5mm 0; }
@media print { body { max-width: none; } }
"""


def _html(found: Statement, company: CompanyConfig) -> str:
    def e(value: Any) -> str:
        return html.escape("" if value is None else str(value), quote=True)

    def money(cents: int | None, *, blank_zero: bool = True) -> str:
        return "" if cents is None or (blank_zero and cents == 0) else format_money(cents, grouping=True)

    parts = [f'<!DOCTYPE html>\n<html lang="{"en" if language() == "en" else "zh-CN"}">\n<head>\n<meta charset="utf-8">\n'
             f"<title>{e(t('statement.title'))} {e(found.code)} {e(found.name)} "
             f"{e(found.date_from)}~{e(found.date_to)}</title>\n<style>{HTML_STYLE}</style>\n</head>\n<body>\n"]
    if company.name.strip() or _company_lines(company):
        parts.append('<header class="company">')
        if company.name.strip():
            parts.append(f"<h2>{e(' '.join(company.name.split()))}</h2>")
        parts += [f"<p>{e(text)}</p>" for text in _company_lines(company)]
        parts.append("</header>\n")
    parts.append(f"<h1>{e(t('statement.title'))}</h1>\n<table class=\"customer\">\n")
    for label, value, label2, value2 in _customer_block(found):
        parts.append(f"<tr><th>{e(label)}</th><td>{e(value)}</td><th>{e(label2)}</th><td>{e(value2)}</td></tr>\n")
    parts.append('</table>\n<table class="lines">\n<thead><tr>')
    parts += [f"<th>{e(t(f'statement.{key}'))}</th>" for key in FIELDS]
    parts.append("</tr></thead>\n<tbody>\n")
    rows = _rows(found)
    for row in rows:
        if row["kind"] == "closing":  # the period's totals just above the closing balance, printed once
            parts.append(f'<tr class="sum"><td colspan="4">{e(t("statement.totals"))}</td>'
                         f'<td class="money">{money(found.debit_cents, blank_zero=False)}</td>'
                         f'<td class="money">{money(found.credit_cents, blank_zero=False)}</td><td></td></tr>\n')
        css = ' class="sum"' if row["kind"] in ("opening", "closing") else ""
        parts.append(f"<tr{css}><td class=\"date\">{e(row['date'])}</td><td>{e(row['document'])}</td>"
                     f"<td>{e(row['kind_title'])}</td><td>{e(row['description'])}</td>"
                     f"<td class=\"money\">{money(row['debit'])}</td><td class=\"money\">{money(row['credit'])}</td>"
                     f"<td class=\"money\">{money(row['balance'], blank_zero=False)}</td></tr>\n")
        if row["kind"] == "opening" and not found.lines:
            parts.append(f"<tr><td colspan=\"{len(FIELDS)}\">{e(t('statement.no_lines'))}</td></tr>\n")
    parts.append("</tbody>\n</table>\n")
    titles, amounts = _aging_cells(found)
    parts.append(f'<p class="aging-title">{e(t("statement.aging", day=found.date_to))}</p>\n<table class="aging">\n<tr>')
    parts += [f"<th>{e(title)}</th>" for title in titles]
    parts.append("</tr>\n<tr>")
    parts += [f'<td class="money">{money(cents, blank_zero=False)}</td>' for cents in amounts]
    parts.append(f'</tr>\n</table>\n<p class="confirm">{e(t("statement.confirm"))}</p>\n<section class="signatures">\n')
    for who, name in ((t("statement.our_company"), " ".join(company.name.split())), (t("statement.the_customer"), found.name)):
        parts.append(f"<div><p><strong>{e(who)}{_colon()}{e(name)}</strong></p>")
        parts += [f"<p>{e(label)}{_colon()}____________________</p>" for label in _signature_rows()]
        parts.append("</div>\n")
    parts.append("</section>\n</body>\n</html>\n")
    return "".join(parts)
