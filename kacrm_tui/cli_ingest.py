"""`kacrm ingest FILE...`: apply drop files now, through the daemon's own code path."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from kacrm_tui.cli import AppContext, cli, pass_app
from kacrm_tui.i18n import language
from schema.errors import ValidationError


def _with_progress(path: Path, work):
    """A progress bar by lines on a terminal for a big file; nothing on a pipe."""
    if not sys.stderr.isatty() or path.stat().st_size < 2_000_000:
        return work(None)
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task(path.name)
        return work(lambda line: bar.update(task, description=f"{path.name}: {line:,}"))


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def ingest(app: AppContext, files: tuple[Path, ...]) -> None:
    """Apply order, payment or customer files now (one line per file); exit 1 if any is rejected.

    The files stay where they are; a file already applied is reported as a duplicate."""
    import logging

    from daemon.ingest import ingest_file

    logging.getLogger("kacrm.daemon").setLevel(logging.ERROR)  # the outcome lines below say it all
    app.open()
    for path in files:
        if not path.is_file():
            raise ValidationError(f"{path} is not a file.")
    rejected = 0
    for path in files:
        outcome = _with_progress(path, lambda progress: ingest_file(path, app.config, actor=f"ingest:{app.login}",
                                                                    progress=progress))
        click.echo(outcome.summary(language()))
        if outcome.status == "rejected":
            rejected += 1
            for problem in outcome.errors:
                click.echo(f"  {problem}")
    if rejected:
        sys.exit(1)
