"""The Textual app: one factory builds it for the command line and for tests.

Screens call `schema/` in thread workers, each inside `database.connection_context()` (peewee
connections are per thread), and never on the event loop. The app's connections are pooled: a
worker takes one its forerunner left open, with a warm page cache."""
from __future__ import annotations

from functools import partial
from typing import Iterable

from textual.app import App, SystemCommand
from textual.command import CommandPalette
from textual.screen import ModalScreen, Screen
from textual.binding import Binding
from textual.widgets import Static
from peewee import fn
from textual import work

from kacrm_tui.commands import CustomerCommands
from kacrm_tui.i18n import t
from kacrm_tui.keys import TranslatedBindings, screen_keys
from kacrm_tui.screens.customers import CustomersScreen
from kacrm_tui.screens.dashboard import DashboardScreen
from schema import access, clock, vocab
from schema.config import Config
from schema.db import close_idle_connections, database, pool_connections
from schema.models import Customer, DaemonHeartbeat, IngestedFile, Order, Payment, Rep


class StatusBar(Static):
    """Who is working, on which database, and whether the daemon is alive (every screen has one)."""

    def on_mount(self) -> None:
        self.update(self.app.status_text)


class KacrmApp(TranslatedBindings, App):
    CSS_PATH = "app.tcss"
    TITLE = "kacrm"
    # descriptions are message keys (kacrm_tui.keys): translated when the app is built
    BINDINGS = [Binding("ctrl+q", "quit", "tui.quit", id="quit", priority=True),
                Binding("question_mark", "toggle_help", "tui.help", id="help"),
                Binding("ctrl+p", "command_palette", "tui.palette", id="palette", show=False, priority=True),
                Binding("p", "approvals", "approval.key", id="approvals", show=False)]
    # the screens and actions come from the bindings (get_system_commands), customers from CustomerCommands
    COMMANDS = App.COMMANDS | {CustomerCommands}

    def action_approvals(self) -> None:
        """`p`: the approval requests (审批), from the customer list or any screen that leaves `p` free."""
        from kacrm_tui.screens.approvals import ApprovalsScreen

        if not isinstance(self.screen, (ApprovalsScreen, ModalScreen)):
            self.push_screen(ApprovalsScreen())

    def action_toggle_help(self) -> None:
        """`?`: the keys of the screen, from the same bindings as the footer."""
        from kacrm_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(placeholder=t("palette.placeholder"), id="--command-palette"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette's commands: the keys of the screen it was opened on and the app's (those that
        reach a screen from anywhere, as `p` the approvals), in the words of the footer and the help.
        One provider for them all, so that they are listed in one order."""
        for node, group, enabled in screen_keys(screen):
            binding = group[0]
            if enabled and binding.description and binding.action != "command_palette":
                keys = " ".join(dict.fromkeys(self.get_key_display(each) for each in group))
                yield SystemCommand(binding.description, keys, partial(self.run_action, binding.action, node))

    def __init__(self, config: Config, rep: Rep, db_label: str):
        super().__init__()
        self.config, self.rep, self.db_label = config, rep, db_label
        self.title = t("tui.title")
        self.status_text = ""
        self.last_file_id: int | None = None  # the newest file the daemon had applied when we last looked
        if config.ui.keymap:
            self.set_keymap(config.ui.keymap)  # `[ui] keymap`: binding id -> keys

    def on_mount(self) -> None:
        self.push_screen(CustomersScreen())
        if self.rep.role in ("manager", "admin"):  # a manager starts on the dashboard; Esc is the list
            self.push_screen(DashboardScreen())
        self.refresh_status()
        self.set_interval(5, self.refresh_status)

    def on_unmount(self) -> None:
        close_idle_connections()

    @work(thread=True, exclusive=True, group="status")
    def refresh_status(self) -> None:
        with database.connection_context():
            beat = DaemonHeartbeat.get_or_none(DaemonHeartbeat.name == "daemon")
            newest = IngestedFile.select(fn.MAX(IngestedFile.id)).scalar() or 0  # a cheap change counter
            touched = 0
            if self.last_file_id is not None and newest > self.last_file_id:
                touched = _visible_touched(self.rep, self.last_file_id)
        if self.last_file_id is not None and touched:
            self.call_from_thread(self._files_applied, touched)
        self.last_file_id = newest
        stale = self.config.daemon.heartbeat_stale_seconds
        age = None if beat is None or beat.state != "running" else int((clock.now() - beat.beat_at).total_seconds())
        daemon = t("tui.daemon_ok", age=age) if age is not None and age <= stale else t("tui.daemon_down")
        text = t("tui.status", login=self.rep.login, role=vocab.label(vocab.ROLES, self.rep.role, _lang()),
                 db=self.db_label, daemon=daemon)
        self.call_from_thread(self._show_status, text)

    def _files_applied(self, customers: int) -> None:
        self.notify(t("tui.files_applied", customers=customers))
        refresh = getattr(self.screen, "refresh_data", None)
        if refresh is not None:
            refresh()

    def _show_status(self, text: str) -> None:
        self.status_text = text
        for screen in self.screen_stack:  # those beneath too: they are current when uncovered
            for bar in screen.query(StatusBar):
                bar.update(text)


def _visible_touched(rep: Rep, since: int) -> int:
    """How many customers `rep` may see got orders or payments from files applied after `since`."""
    files = IngestedFile.select(IngestedFile.id).where((IngestedFile.id > since) & (IngestedFile.status == "applied"))
    touched = (Order.select(Order.customer).where(Order.source_file.in_(files))
               | Payment.select(Payment.customer).where(Payment.source_file.in_(files)))
    visible = access.visible_customers(rep).select(Customer.id)
    return Customer.select().where(Customer.id.in_(touched) & Customer.id.in_(visible)).count()


def _lang() -> str:
    from kacrm_tui.i18n import language
    return language()


def make_app(config: Config, rep: Rep, db_label: str) -> KacrmApp:
    """The app for `rep`; the database must already be open (bound to `schema.db.database`). Its
    connections are pooled from here on, for the app's worker threads to take turns on."""
    pool_connections()
    return KacrmApp(config, rep, db_label)
