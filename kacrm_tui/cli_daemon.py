"""`kacrm daemon [--inbox DIR] [--once]` runs the ingest daemon in the foreground; `kacrm daemon
status` prints its heartbeat and exits 0 when healthy, 1 when stale, failing or stopped."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kacrm_tui.cli import AppContext, cli, pass_app
from kacrm_tui.i18n import language

MESSAGES: dict[str, tuple[str, str]] = {
    "lock.held": ("另一个导入服务（{who}）已在数据库 {db} 上运行；请先停止它（systemctl stop kacrm-daemon），或交由它处理。",
                  "Another kacrm daemon ({who}) is already running on the database {db}; "
                  "stop it first (systemctl stop kacrm-daemon) or let it do the work."),
    "lock.who": ("{host} 上的 pid {pid}", "pid {pid} on host {host}"),
    "lock.unknown": ("进程号未知", "pid unknown"),
    "folder": ("导入服务无法使用目录 {folder}（{reason}）；请创建该目录并允许服务账户写入，或用 --inbox 指定其他目录。",
               "The folder {folder} cannot be used by the daemon ({reason}); create it and make it "
               "writable for the daemon's user, or pass another --inbox."),
}


def say(key: str, **values: object) -> str:
    zh, en = MESSAGES[key]
    return (en if language() == "en" else zh).format(**values)


@cli.group(invoke_without_command=True)
@click.option("--inbox", type=click.Path(file_okay=False, path_type=Path),
              help="Watch this folder instead of the configured one (archive/ and rejected/ beside it by default).")
@click.option("--once", is_flag=True, help="Drain what is in the inbox now, then exit.")
@click.pass_context
def daemon(ctx: click.Context, inbox: Path | None, once: bool) -> None:
    """Run the ingest daemon in the foreground (logs on stderr, for systemd's journal).

    SIGTERM or Ctrl-C finish the file being ingested, then exit 0."""
    if ctx.invoked_subcommand is not None:
        return
    from daemon.lock import DaemonAlreadyRunning
    from daemon.logs import setup_logging
    from daemon.service import InboxUnavailable, run_daemon

    app = ctx.find_object(AppContext)
    app.open()
    setup_logging(app.config.daemon.log_level)
    try:
        code = run_daemon(app.config, inbox=inbox, once=once)
    except DaemonAlreadyRunning as exc:
        who = (say("lock.who", pid=exc.holder_pid, host=exc.holder_host or "?") if exc.holder_pid
               else say("lock.unknown"))
        raise DaemonAlreadyRunning(exc.database, exc.holder_pid, exc.holder_host,
                                   message=say("lock.held", who=who, db=exc.database)) from None
    except InboxUnavailable as exc:
        raise InboxUnavailable(exc.folder, exc.reason,
                               message=say("folder", folder=exc.folder, reason=exc.reason)) from None
    sys.exit(code)


@daemon.command("status")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_app
def daemon_status(app: AppContext, fmt: str) -> None:
    """Print the daemon's heartbeat; exit 0 when healthy, 1 when stale, failing or stopped."""
    from daemon.heartbeat import read_status, status

    app.open()
    if fmt == "json":
        found = read_status(app.config)
        click.echo(json.dumps(found.as_dict(app.config.ui.tzinfo), ensure_ascii=False, indent=2))
        healthy = found.healthy
    else:
        healthy, lines = status(app.config, language=language())
        for line in lines:
            click.echo(line)
    sys.exit(0 if healthy else 1)
