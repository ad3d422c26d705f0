"""The command line (DESIGN §7): one click group, one context object passed down to every command.

A user's mistake ends in one sentence on stderr and exit status 2 (1 when the user lacks the
rights); a bug's traceback goes to the log file and the user gets one line pointing at it."""
from __future__ import annotations

import importlib
import logging
import os
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import click
from peewee import Database, OperationalError

from kacrm_tui.i18n import set_language, t
from schema.config import Config, load_config
from schema.db import open_database
from schema.errors import KacrmError, PermissionDenied
from schema.migrate import require_current
from schema.models import Rep
from schema.reps import acting_rep, os_login

EXIT_USER_ERROR = 2
EXIT_DENIED = 1  # the acting user may not do or see this (issue 6: a refused statement exits 1)
EXIT_BUG = 70  # EX_SOFTWARE


def log_path() -> Path:
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "kacrm" / "kacrm.log"


@dataclass
class AppContext:
    """What every command needs, built once from the global options."""

    config_path: str | None = None
    db_override: str | None = None
    user_override: str | None = None
    _config: Config | None = field(default=None, repr=False)
    _db: Database | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
            set_language(self._config.ui.language)
            for warning in self._config.warnings:
                click.echo(f"warning: {warning}", err=True)
        return self._config

    @property
    def db_target(self) -> str:
        return self.config.database_target(self.db_override)

    def open(self, *, require_schema: bool = True) -> Database:
        """The database, opened once; refused unless its schema is the one this code knows."""
        if self._db is None:
            self._db = open_database(self.db_target, busy_timeout_seconds=self.config.database.busy_timeout_seconds)
            if require_schema:
                require_current(self._db)
        return self._db

    @property
    def login(self) -> str:
        return self.user_override or os_login()

    def actor(self) -> Rep:
        """The acting Rep (`--user`, else the OS login); they must be an active user."""
        self.open()
        return acting_rep(self.login)


pass_app = click.make_pass_decorator(AppContext)


# the commands that other modules register on `cli`, and those modules: each is imported when one
# of its commands is first looked up, so that `kacrm ingest` loads neither the exports, the
# reports nor the approvals (a third of the start-up's imports)
LAZY_COMMANDS: dict[str, tuple[str, ...]] = {
    "approvals": ("cli_approvals",), "daemon": ("cli_daemon",), "demo": ("cli_demo",), "evaluate": ("cli_report",),
    "export": ("cli_export",), "import": ("cli_import",), "ingest": ("cli_ingest",), "merge": ("cli_import",),
    "migrate-db": ("cli_migrate_db",), "purge": ("cli_purge",), "report": ("cli_report", "cli_report_rep"),
    "segments": ("cli_report",), "serve": ("cli_serve",), "target": ("cli_report",), "user": ("cli_users",),
}


class KacrmGroup(click.Group):
    """Turns the errors a person can cause into one sentence and a non-zero exit; loads the
    modules of LAZY_COMMANDS when their commands are named."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        for module in LAZY_COMMANDS.get(name, ()):
            importlib.import_module(f"kacrm_tui.{module}")
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KacrmError as exc:
            click.echo(t("error.prefix") + str(exc), err=True)
            ctx.exit(EXIT_DENIED if isinstance(exc, PermissionDenied) else EXIT_USER_ERROR)
        except OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                click.echo(t("error.prefix") + t("locked"), err=True)
                ctx.exit(1)
            _report_bug(exc)
            ctx.exit(EXIT_BUG)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:  # `kacrm export … | head`: the reader had enough
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(0)
        except Exception as exc:  # a bug: the traceback goes to the log, one line to the user
            _report_bug(exc)
            ctx.exit(EXIT_BUG)


def _report_bug(exc: Exception) -> None:
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"--- kacrm {' '.join(sys.argv[1:])}\n{traceback.format_exc()}\n")
    except OSError:
        traceback.print_exc()
    click.echo(t("bug", error=f"{type(exc).__name__}: {exc}", log=path), err=True)


@click.group(cls=KacrmGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False), envvar="KACRM_CONFIG",
              help="Configuration file (default: ./config.toml, ~/.config/kacrm/config.toml, /etc/kacrm/config.toml).")
@click.option("--db", "db_override", metavar="PATH|URL", help="SQLite path or postgresql:// URL; overrides the config.")
@click.option("--user", "user_override", metavar="LOGIN", help="Act as this login (set by the deployment, e.g. an SSH forced command).")
@click.version_option(package_name="kacrm")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, db_override: str | None, user_override: str | None) -> None:
    """kacrm — key-account CRM (大客户管理系统). Without a command, opens the full-screen app."""
    ctx.obj = AppContext(config_path, db_override, user_override)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if ctx.invoked_subcommand is None:
        ctx.invoke(tui)


@cli.command()
@pass_app
def tui(app: AppContext) -> None:
    """Open the full-screen app."""
    from kacrm_tui.app import make_app

    rep = app.actor()
    make_app(app.config, rep, app.db_target).run()


@cli.command()
@pass_app
def init(app: AppContext) -> None:
    """Create or upgrade the configured database; the first login to run it becomes admin."""
    from schema.db import refresh_statistics
    from schema.migrate import schema_status, upgrade
    from schema.reps import ensure_admin

    db = app.open(require_schema=False)
    before = schema_status(db).current
    applied = upgrade(db)
    version = schema_status(db).current
    if before == 0:
        click.echo(t("init.created", db=app.db_target, version=version))
    elif applied:
        click.echo(t("init.upgraded", db=app.db_target, names=", ".join(applied), version=version))
    else:
        click.echo(t("init.current", db=app.db_target, version=version))
    rep, made = ensure_admin(app.login)
    if made:
        click.echo(t("init.admin", login=rep.login))
    refresh_statistics()  # the planner's view of the tables, as they are after an upgrade


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_app
def check(app: AppContext, fmt: str) -> None:
    """Verify the schema version and every invariant of the data; exit 1 on any breach."""
    import json

    from schema.check import run_checks
    from schema.migrate import schema_status

    db = app.open(require_schema=False)
    results = run_checks(db)
    status = schema_status(db)
    failed = [r for r in results if not r.ok]
    if fmt == "json":
        click.echo(json.dumps([{"check": r.key, "name": r.name, "ok": r.ok, "breaches": r.breaches, "examples": r.examples}
                               for r in results], ensure_ascii=False, indent=2))
    else:
        for result in results:
            title = t(f"check.{result.key}", current=status.current, latest=status.latest)
            click.echo(f"{'ok  ' if result.ok else 'FAIL'} {title}" + ("" if result.ok else f" ({result.breaches})"))
            for example in result.examples:
                click.echo(f"       {example}")
        click.echo(t("check.failed", n=len(failed)) if failed else t("check.ok", n=len(results)))
    if failed:
        sys.exit(1)


@cli.command()
@click.argument("path", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@pass_app
def backup(app: AppContext, path: Path, force: bool) -> None:
    """Write a consistent copy of the database to PATH while others keep working."""
    from schema.backup import backup as run_backup

    result = run_backup(app.open(), path, overwrite=force)
    click.echo(t("backup.done", path=result.path, size=result.size))


def main() -> None:
    cli(prog_name="kacrm")


__all__ = ["cli", "main", "AppContext", "pass_app", "LAZY_COMMANDS"]
