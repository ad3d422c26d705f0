"""`kacrm import customers FILE` and `kacrm merge CODE_FROM CODE_INTO`: customer archives in from
Excel or CSV, read by the daemon's own reader, and a duplicate customer merged into another.

The rules live in schema/archive_import.py and schema/merge.py; this module reads the file, asks
for confirmation and prints what happened: a summary line, then tables on a terminal, or one
CSV/JSON table (every line's outcome, rejections and duplicates) for a pipe."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import click

from kacrm_tui.cli import AppContext, cli, pass_app
from kacrm_tui.cli_export import write_out
from kacrm_tui.i18n import MESSAGES, language, t
from schema.archive_import import ImportLine, ImportReport, import_customers
from schema.errors import ValidationError
from schema.money import format_money
from schema.problems import Problem, reason_text

FORMATS = click.Choice(["table", "csv", "json"])


def _reason(problem: Problem) -> str:
    key = f"import.reason.{problem.reason_key}"
    return t(key) if key in MESSAGES else reason_text(problem.reason_key, language(), **problem.args)


def _where(problem: Problem) -> str:
    """`grade [等级]`: the field, and the column as the file wrote it when that differs."""
    name = problem.field or problem.column
    return f"{name} [{problem.column}]" if problem.column and problem.column != name else name


def _read(path: Path, app: AppContext) -> tuple[dict[str, str], Iterator[ImportLine | Problem]]:
    """The file's columns and its lines, typed by the daemon's reader (`daemon.formats`)."""
    from daemon.formats import FileRejected, open_table, validate

    try:
        table = open_table(path, app.config.aliases)
    except FileRejected as exc:
        return {}, iter(exc.problems)
    if table.kind != "customers":
        raise ValidationError(t("import.not_customers", file=path.name, kind=table.kind))

    def lines() -> Iterator[ImportLine | Problem]:
        for item in validate(table, currency=app.config.ledger.currency):
            if isinstance(item, Problem):
                yield item
            else:
                yield ImportLine(item.line, item.fields, item.content_hash)
    return table.columns, lines()


def _other(duplicate) -> str:
    return t("import.other_line", line=duplicate.other_line) if duplicate.other_line else duplicate.other_code


def _report_rows(report: ImportReport) -> list[dict]:
    """Every line's outcome, each rejection and each duplicate, in line order: the one table for a pipe."""
    rows = [{"line": o.line, "code": o.code, "name": o.name, "outcome": o.outcome, "field": ",".join(o.changed),
             "value": "", "detail": ""} for o in report.outcomes]
    rows += [{"line": p.line, "code": "", "name": "", "outcome": "rejected", "field": p.field or p.column,
              "value": p.value, "detail": _reason(p)} for p in report.rejected]
    rows += [{"line": d.line, "code": d.code, "name": d.name, "outcome": "duplicate", "field": d.match,
              "value": _other(d), "detail": d.other_name} for d in report.duplicates]
    order = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 1, "duplicate": 2}
    rows.sort(key=lambda row: (row["line"], order[row["outcome"]]))
    return rows


def _show_tables(report: ImportReport) -> None:
    def heading(key: str) -> None:
        click.echo("")
        click.echo(click.style(t(key), bold=True))

    if report.rejected:
        heading("import.heading.rejected")
        write_out([("line", t("import.col.line")), ("column", t("import.col.column")),
                   ("value", t("import.col.value")), ("reason", t("import.col.reason"))],
                  [{"line": p.line, "column": _where(p), "value": p.value, "reason": _reason(p)}
                   for p in report.rejected], "table", None)
    if report.duplicates:
        heading("import.heading.duplicates")
        write_out([("line", t("import.col.line")), ("code", t("col.code")), ("name", t("col.customer_name")),
                   ("match", t("import.col.match")), ("other", t("import.col.other")),
                   ("other_name", t("import.col.other_name"))],
                  [{"line": d.line, "code": d.code, "name": d.name, "match": t(f"import.match.{d.match}"),
                    "other": _other(d), "other_name": d.other_name} for d in report.duplicates], "table", None)
    changes = [o for o in report.outcomes if o.outcome != "unchanged"]
    if changes:
        heading("import.heading.changes")
        write_out([("line", t("import.col.line")), ("code", t("col.code")), ("name", t("col.customer_name")),
                   ("outcome", t("import.col.outcome")), ("changed", t("import.col.changed"))],
                  [{"line": o.line, "code": o.code, "name": o.name, "outcome": t(f"import.outcome.{o.outcome}"),
                    "changed": ", ".join(o.changed)} for o in changes], "table", None)


@cli.group("import")
def import_group() -> None:
    """Load data from Excel or CSV files."""


@import_group.command("customers")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what the import would do and change nothing.")
@click.option("--format", "fmt", type=FORMATS, help="Default: tables on a terminal, CSV for a pipe.")
@pass_app
def import_customers_command(app: AppContext, file: Path, dry_run: bool, fmt: str | None) -> None:
    """Create or update customer archives from FILE (.xlsx or CSV in UTF-8 or GB18030), by code.

    Any archive column may be given, under its English name or Chinese title; `owner` (客户经理)
    is a login, and a new customer without one is yours. A file with any bad line changes
    nothing and every bad line is listed (exit 1). Likely duplicates (same name, phone or
    address) are listed, within the file and against the customers you may see."""
    actor = app.actor()
    columns, lines = _read(file, app)
    report = import_customers(lines, actor=actor, source=file.name, columns=columns, dry_run=dry_run,
                              overdue_days=app.config.daemon.overdue_alert_days,
                              approvals=app.config.access.approvals)
    summary = t("import.summary", file=file.name, created=report.count("created"), updated=report.count("updated"),
                unchanged=report.count("unchanged"), rejected=report.rejected_lines)
    state = t("import.rejected" if report.rejected else "import.applied" if report.applied else "import.dry_run")
    fmt = fmt or ("table" if sys.stdout.isatty() else "csv")
    if fmt == "table":
        click.echo(f"{summary} {state}")
        _show_tables(report)
    else:
        click.echo(f"{summary} {state}", err=True)
        write_out([(key, key) for key in ("line", "code", "name", "outcome", "field", "value", "detail")],
                  _report_rows(report), fmt, None)
    if report.rejected:
        sys.exit(1)


@cli.command()
@click.argument("code_from")
@click.argument("code_into")
@click.option("--reason", default="", help="Why the two are one customer (kept in the history).")
@click.option("--yes", is_flag=True, help="Merge without asking (needed when not on a terminal).")
@pass_app
def merge(app: AppContext, code_from: str, code_into: str, reason: str, yes: bool) -> None:
    """Merge customer CODE_FROM into CODE_INTO, keeping all its history on CODE_INTO.

    Contacts, visits, contracts, opportunities, complaints, evaluations, orders, payments,
    adjustments, alerts, targets, classification snapshots, grants and the change history move;
    the balance is recomputed and credits settle open orders; CODE_FROM is deleted with a note
    pointing at CODE_INTO. Needs a manager or admin who may change both."""
    from schema.merge import merge_customers, plan_merge

    actor = app.actor()
    plan = plan_merge(code_from, code_into, actor=actor)
    if not yes:
        if not _on_terminal():
            raise ValidationError(t("merge.need_yes"))
        click.echo(t("merge.plan", src=plan.source.code, src_name=plan.source.name, dst=plan.target.code,
                     dst_name=plan.target.name, before=format_money(plan.balance_before_cents, grouping=True),
                     balance=format_money(plan.balance_cents, grouping=True)))
        _moved_table(plan, "table")
        click.confirm(t("merge.confirm", src=plan.source.code), abort=True)
    result = merge_customers(code_from, code_into, actor=actor, reason=reason,
                             overdue_days=app.config.daemon.overdue_alert_days)
    to_stderr = not sys.stdout.isatty()  # a pipe gets the table alone
    click.echo(t("merge.done", src=result.source.code, dst=result.target.code,
                 before=format_money(result.balance_before_cents, grouping=True),
                 balance=format_money(result.balance_cents, grouping=True)), err=to_stderr)
    if result.settled_cents:
        click.echo(t("merge.settled", amount=format_money(result.settled_cents, grouping=True)), err=to_stderr)
    if result.filled:
        click.echo(t("merge.filled", dst=result.target.code, src=result.source.code,
                     fields=", ".join(name.removesuffix("_cents") for name in result.filled)), err=to_stderr)
    _moved_table(result, None)


def _on_terminal() -> bool:
    """Whether a person can answer a question: both ends on a terminal."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _moved_table(result, fmt: str | None) -> None:
    def label(table: str) -> str:
        return t(f"kind.{table}") if f"kind.{table}" in MESSAGES else table

    tables = list(dict.fromkeys([*result.moved, *result.kept, *result.dropped]))
    write_out([("table", t("merge.col.table")), ("moved", t("merge.col.moved")), ("kept", t("merge.col.kept")),
               ("dropped", t("merge.col.dropped"))],
              [{"table": label(name), "moved": result.moved.get(name, 0), "kept": result.kept.get(name, 0),
                "dropped": result.dropped.get(name, 0)} for name in tables], fmt, None)
