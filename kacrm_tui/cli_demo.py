"""`kacrm demo`: build a realistic demo database with sample drop files, then run the product on it."""
from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from kacrm_tui.cli import AppContext, cli, pass_app
from kacrm_tui.i18n import t


def _progress_printer():
    """A progress bar on a terminal, nothing on a pipe."""
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   transient=True)
    tasks: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(t(f"stage.{stage}"), total=total)
        bar.update(tasks[stage], completed=done, total=total)

    return bar, progress


@cli.command()
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("demo"),
              show_default=True, help="Where the demo database, config and drop folders go.")
@click.option("--customers", type=click.IntRange(min=1, max=1_000_000), default=300, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True, help="Same seed, same data.")
@click.option("--no-tui", is_flag=True, help="Build the data and exit.")
@click.option("--replace", is_flag=True, help="Delete an existing demo in DIR first.")
@pass_app
def demo(app: AppContext, directory: Path, customers: int, seed: int, no_tui: bool, replace: bool) -> None:
    """Build a demo database with realistic data and sample drop files, and open it as `demo`."""
    from kacrm_tui.demo.build import build_demo

    bar, progress = _progress_printer()
    if bar is not None:
        with bar:
            summary = build_demo(directory, customers, seed, progress=progress, replace=replace)
    else:
        summary = build_demo(directory, customers, seed, replace=replace)
    click.echo(t("demo.built", customers=summary.counts.get("customer", customers), orders=summary.counts.get("order", 0),
                 visits=summary.counts.get("visit", 0), seconds=f"{summary.seconds:.1f}"))
    config = directory / "config.toml"
    click.echo(t("demo.where", db=summary.db_path, inbox=summary.inbox, config=config))
    kacrm = shlex.quote(sys.argv[0]) if sys.argv and sys.argv[0].endswith("kacrm") else "kacrm"
    if no_tui or not sys.stdout.isatty():
        click.echo(t("demo.next", k=f"{kacrm} --config {shlex.quote(str(config))}"))
        return
    _run_demo(config)


def _run_demo(config: Path) -> None:
    """The daemon in the background on the demo's inbox, the app in front as `demo`; quitting
    the app stops the daemon."""
    import signal
    import subprocess

    from kacrm_tui.app import make_app
    from schema.config import load_config
    from schema.db import open_database
    from schema.reps import acting_rep

    log = open(config.parent / "daemon.log", "a", encoding="utf-8")
    daemon = subprocess.Popen([sys.executable, "-m", "kacrm_tui", "--config", str(config), "daemon"],
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        settings = load_config(config)
        open_database(settings.database_target(None))
        make_app(settings, acting_rep("demo"), settings.database_target(None)).run()
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
        log.close()
