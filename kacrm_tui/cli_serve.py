"""`kacrm serve`: the app in a browser through textual-serve; each browser session runs `kacrm tui`
with this command's --config, --db and --user."""
from __future__ import annotations

import ipaddress
import shlex
import sys
from pathlib import Path

import click

from kacrm_tui.cli import AppContext, cli, pass_app
from kacrm_tui.i18n import t
from schema.errors import KacrmError


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach `host` (localhost, 127.0.0.0/8, ::1)."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to any interface
        return False


def tui_command(app: AppContext) -> str:
    """The shell command each browser session runs: this kacrm, as this user, on this database."""
    args = [sys.executable, "-m", "kacrm_tui"]
    if app.config.source is not None:
        args += ["--config", str(Path(app.config.source).resolve())]
    if app.db_override is not None:
        args += ["--db", app.db_target if "://" in app.db_target else str(Path(app.db_target).resolve())]
    return shlex.join([*args, "--user", app.login, "tui"])


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback lets the network in.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--public-url", metavar="URL", help="The address browsers use, behind a proxy (default: http://HOST:PORT).")
@pass_app
def serve(app: AppContext, host: str, port: int, public_url: str | None) -> None:
    """Serve the app to a web browser (textual-serve), on loopback by default."""
    try:
        from textual_serve.server import Server
    except ImportError:
        raise KacrmError("kacrm serve needs textual-serve: pip install textual-serve.") from None
    rep = app.actor()  # an unknown user is told once, here, not in every browser tab
    command = tui_command(app)
    if not is_loopback(host):
        click.echo(t("serve.exposed", host=host, port=port, login=rep.login), err=True)
    server = Server(command, host=host, port=port, title=t("tui.title"), public_url=public_url)
    click.echo(t("serve.listening", url=server.public_url, login=rep.login), err=True)
    server.serve()
