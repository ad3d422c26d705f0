"""`kacrm purge`: remove for good the records soft-deleted past the retention (schema/purge.py)."""
from __future__ import annotations

import click

from kacrm_tui.cli import AppContext, cli, pass_app
from kacrm_tui.i18n import t


@cli.command()
@click.option("--days", type=click.IntRange(min=0), metavar="N",
              help="Keep what was deleted in the last N days (default: [access] deleted_retention_days, 30).")
@click.option("--dry-run", is_flag=True, help="Count what would go and change nothing.")
@pass_app
def purge(app: AppContext, days: int | None, dry_run: bool) -> None:
    """Remove records soft-deleted more than N days ago (admins only); the ledger always stays."""
    from schema.purge import purge as run_purge

    retention = app.config.access.deleted_retention_days if days is None else days
    result = run_purge(app.actor(), days=retention, dry_run=dry_run)
    click.echo(t("purge.dry_run" if dry_run else "purge.done", days=retention,
                 cutoff=result.cutoff.strftime("%Y-%m-%d %H:%M"), n=result.total))
    width = max(len(table) for table in result.removed)
    for table, count in result.removed.items():
        click.echo(f"  {table:<{width}}  {t('purge.rows', n=count)}")
    for table, (reason, count) in result.kept.items():
        click.echo(f"  {table:<{width}}  {t('purge.kept.' + reason, n=count)}")
