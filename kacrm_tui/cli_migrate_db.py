"""`kacrm migrate-db --to URL`: copy everything to another database and verify it (schema/copy_db.py)."""
from __future__ import annotations

import sys
from contextlib import nullcontext

import click

from kacrm_tui.cli import AppContext, cli, pass_app
from kacrm_tui.i18n import t
from schema.errors import PermissionDenied


def _progress():
    """(bar, callback): a bar per table on a terminal; (None, None) on a pipe."""
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   transient=True)
    tasks: dict[str, int] = {}

    def report(table: str, done: int, total: int) -> None:
        if table not in tasks:
            tasks[table] = bar.add_task(table, total=total)
        bar.update(tasks[table], completed=done, total=total)

    return bar, report


@cli.command("migrate-db")
@click.option("--to", "url", required=True, metavar="URL",
              help="The new database: a SQLite path, sqlite:///path or postgresql://user:password@host/name.")
@pass_app
def migrate_db(app: AppContext, url: str) -> None:
    """Copy every table to another (empty) database, e.g. SQLite to PostgreSQL, and verify the copy."""
    from schema.copy_db import copy_database, open_target

    rep = app.actor()
    if rep.role != "admin":
        raise PermissionDenied(f"Only an admin may copy the database; {rep.login} is a {rep.role}.")
    source = app.open()
    target = open_target(url, source, busy_timeout_seconds=app.config.database.busy_timeout_seconds)
    bar, report = _progress()
    try:
        with bar if bar is not None else nullcontext():
            result = copy_database(source, target, url=url, progress=report)
    finally:
        target.close()
    width = max(len(table) for table in result.rows)
    for table, (source_rows, target_rows) in result.rows.items():
        click.echo(f"  {table:<{width}}  {t('migrate.rows', source=source_rows, target=target_rows)}")
    for check in result.checks:
        title = t(f"check.{check.key}", current=result.version, latest=result.version)
        click.echo(f"  ok   {title}")
    click.echo(t("migrate.done", target=result.target, version=result.version,
                 rows=sum(target_rows for _, target_rows in result.rows.values())))
