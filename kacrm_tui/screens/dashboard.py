"""The dashboard (看板): a manager's first screen, a rep's on `b`. Target attainment beside the time
elapsed, the aging distribution, the segment and attack/defend matrices whose counts open the
customer list narrowed to that class, open alerts and today's agenda — every figure from its one
definition in `schema/`, over the customers the user may see. All of it is read in one worker:
aging alone takes seconds over 100,000 customers."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterator, NamedTuple

from peewee import fn
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Static
from textual.worker import get_current_worker

from kacrm_tui.i18n import bucket_title, language, t
from kacrm_tui.screens.base import ListScreen
from kacrm_tui.widgets.gc_pause import gc_pause
from kacrm_tui.widgets.table import Table
from schema import access, clock, vocab
from schema.agenda import Agenda, agenda
from schema.aging import aging
from schema.alerts import open_alerts
from schema.config import Config
from schema.db import database
from schema.models import Alert, Customer, Rep
from schema.money import format_money
from schema.search import Filters, count_customers
from schema.targets import MONEY_METRICS, Attainment, Period, attainment

BAR = 12  # cells of an attainment bar
AGING_BAR = 12
ALERT_ROWS = 50
TARGET_VALUE_FROM = 92  # cells: narrower, the target's value is left out (its percent says enough)



class Matrix(NamedTuple):
    """Two measures, high and low, and the class (DESIGN §5) of each of the four quadrants."""

    title: str
    column: str  # the Customer column that stores the class
    words: vocab.Choices
    rows: str  # the measure down the side
    columns: str  # the measure across the top
    classes: dict[tuple[str, str], str]  # (row, column) -> class


MATRICES = {
    "current": Matrix("dash.current", "segment", vocab.SEGMENTS, "dash.contribution", "dash.stability",
                      {("high", "high"): "EI", ("high", "low"): "EII", ("low", "high"): "EIII", ("low", "low"): "EIV"}),
    "prospects": Matrix("dash.prospects", "segment", vocab.SEGMENTS, "dash.expected", "dash.intent",
                        {("high", "high"): "PI", ("high", "low"): "PII", ("low", "high"): "PIII", ("low", "low"): "PIV"}),
    "strategy": Matrix("dash.strategy", "strategy", vocab.STRATEGIES, "dash.potential", "dash.our_share",
                       {("high", "high"): "defend", ("high", "low"): "attack", ("low", "high"): "maintain",
                        ("low", "low"): "give_up"}),
}
ABC = ("A", "B", "C")
TARGET_COLUMNS = ("col.who", "col.metric", "col.period", "dash.attained", "dash.percent", "dash.elapsed",
                  "col.actual", "col.target")
ALERT_COLUMNS = ("col.customer_name", "alerts.kind", "alerts.amount")
AGENDA_COLUMNS = ("dash.when", "col.code", "col.customer_name", "dash.what")


@dataclass
class Figures:
    """Everything the dashboard shows. The cheap parts come first; `None` is a part still being read."""

    today: dt.date
    visible: int
    classes: dict[str, dict[str, int]]  # "segment" / "strategy" -> class -> customers
    alert_counts: dict[str, int]  # kind -> open alerts
    alerts: list[tuple]  # the newest: customer name, kind, cents, customer id
    targets: list[Attainment] | None = None
    aging: dict[str, int] | None = None  # bucket name -> open cents, summed over the customers
    credit_cents: int = 0
    balance_cents: int = 0
    agenda: Agenda | None = None


PARTS = ("counts", "targets", "aging", "agenda")  # in the order they are read: the cheap ones first


def read_figures_in_parts(rep: Rep, config: Config, today: dt.date) -> Iterator[tuple[str, Figures]]:
    """The dashboard of `rep` on `today` (a local day), part by part (`PARTS`): each time one more
    part of the same Figures is filled in. Blocking, for a worker thread; on 100,000 customers the
    counts take a fraction of a second, the rest seconds."""
    visible = access.visible_customers(rep).select(Customer.id)
    # the three counts in one pass over the customers, not three (a third less time on 100,000)
    columns = [getattr(Customer, name) for name in ("segment", "strategy", "abc_class")]
    classes: dict[str, dict[str, int]] = {column.name: {} for column in columns}
    for *keys, count in (access.visible_customers(rep).select(*columns, fn.COUNT(Customer.id))
                         .group_by(*columns).tuples()):
        for column, key in zip(columns, keys):
            classes[column.name][key] = classes[column.name].get(key, 0) + count
    alert_counts = dict(open_alerts(visible).select(Alert.kind, fn.COUNT(Alert.id)).group_by(Alert.kind)
                        .order_by().tuples())
    # `+ 0` keeps SQLite off the customer index: it reads the alerts newest first and stops at
    # ALERT_ROWS, rather than every open alert of 100,000 customers sorted (80 ms -> 15 ms)
    newest = list(open_alerts().where((Alert.customer + 0).in_(visible))
                  .join(Customer, on=(Alert.customer == Customer.id))
                  .select(Customer.name, Alert.kind, Alert.amount_cents, Customer.id)
                  .order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(ALERT_ROWS).tuples())
    figures = Figures(today, count_customers(rep), classes, alert_counts, newest)
    yield "counts", figures
    # a manager sees the team's and the regions' targets here (each rep's are in `kacrm report
    # targets`); a rep, their own first
    scopes = ("team", "region") if access.sees_all(rep) else None
    figures.targets = sorted(attainment(rep, as_of=today, scopes=scopes), key=lambda a: a.target.rep_id != rep.id)
    yield "targets", figures
    buckets = dict.fromkeys(config.aging.bucket_names, 0)
    for row in aging(rep, config.aging, as_of=today):
        for name, cents in row.buckets.items():
            buckets[name] += cents
        figures.credit_cents += row.unapplied_credit_cents
        figures.balance_cents += row.balance_cents
    figures.aging = buckets
    yield "aging", figures
    figures.agenda = agenda(rep, today=today, tz=config.ui.tzinfo, max_gap_days=config.visits.max_gap_days)
    yield "agenda", figures


def read_figures(rep: Rep, config: Config, today: dt.date) -> Figures:
    """All of the dashboard of `rep` on `today`, at once."""
    for _, figures in read_figures_in_parts(rep, config, today):
        pass
    return figures


def _blocks(filled: int, width: int) -> list[str]:
    filled = max(0, min(width, filled))
    return ["█"] * filled + ["░"] * (width - filled)


def _attainment_bar(percent: Decimal | None, elapsed: Decimal) -> Text:
    """Attainment in block characters, `|` where the time elapsed falls: behind it shows yellow."""
    cells = _blocks(0 if percent is None else int(percent * BAR / 100), BAR)
    cells[min(BAR - 1, int(elapsed * BAR / 100))] = "|"
    on_pace = percent is not None and percent >= elapsed
    return Text("".join(cells), style="green" if on_pace else "yellow")


def _percent(value: Decimal | None) -> Text:
    return Text("-" if value is None else str(value), justify="right")


def _money(cents: int) -> Text:
    return Text(format_money(cents, grouping=True), justify="right")


def _figure(metric: str, value: int) -> Text:
    return _money(value) if metric in MONEY_METRICS else Text(str(value), justify="right")


def _class_cell(key: str, words: str, count: int) -> Text:
    """`EI  12` over `巩固`; a strategy is known by its words alone."""
    if key in vocab.STRATEGIES:
        return Text.assemble(words, "  ", (str(count), "bold"))
    return Text.assemble((key, "bold"), "  ", (str(count), "bold"), "\n", words)


class DashboardScreen(ListScreen):
    BINDINGS = [Binding("escape", "back", "dash.list", id="dashboard.back"),
                Binding("b", "back", "dash.list", show=False, id="dashboard.list"),
                Binding("a", "alerts", "alerts.key", id="dashboard.alerts"),
                Binding("d", "agenda", "agenda.key", id="dashboard.agenda"),
                Binding("r", "refresh", "dash.refresh", id="dashboard.refresh")]

    def __init__(self) -> None:
        super().__init__()
        self.figures: Figures | None = None  # all of them, once read
        self.first_shown = False  # the counts are on screen
        self.targets: list[Attainment] | None = None
        # three matrices side by side need more room in English, whose class names are longer
        self.HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100 if language() == "zh" else 160, "-wide")]

    def compose(self) -> ComposeResult:
        from kacrm_tui.app import StatusBar

        gc_pause.pause(self)  # until the first figures are drawn
        yield Static(t("dash.loading"), id="dash-title", classes="header")
        with VerticalScroll(id="dashboard"):
            with Vertical(classes="panel"):
                yield Static("", id="title-targets", classes="panel-title")
                yield Table(id="dash-targets", cursor_type="row")
            with Horizontal(classes="dash-row"):
                with Vertical(classes="panel", id="panel-aging"):
                    yield Static(t("dash.aging"), classes="panel-title")
                    yield Table(id="dash-aging", cursor_type="row")
                with Vertical(classes="panel"):
                    yield Static("", id="title-alerts", classes="panel-title")
                    yield Table(id="dash-alerts", cursor_type="row")
            with Horizontal(classes="dash-row"):
                for name, matrix in MATRICES.items():
                    with Vertical(classes="panel"):
                        yield Static(t(matrix.title), id=f"title-{name}", classes="panel-title")
                        yield Table(id=f"dash-{name}", cursor_type="cell", classes="matrix")
            with Vertical(classes="panel"):
                yield Static(t("dash.abc"), id="title-abc", classes="panel-title")
                yield Table(id="dash-abc", cursor_type="cell", classes="abc")
            with Vertical(classes="panel"):
                yield Static("", id="title-agenda", classes="panel-title")
                yield Table(id="dash-agenda", cursor_type="row")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        for table, columns in (("alerts", ALERT_COLUMNS), ("agenda", AGENDA_COLUMNS)):
            self.query_one(f"#dash-{table}", DataTable).add_columns(*(t(c) for c in columns))
        table = self.query_one("#dash-aging", DataTable)
        table.add_columns(t("dash.age"), "", t("col.amount"), t("dash.share"))
        for name in (*self.app.config.aging.bucket_names, "credit", "balance"):
            table.add_row("", "", "", "", key=name)
        for name, matrix in MATRICES.items():
            table = self.query_one(f"#dash-{name}", DataTable)
            for side in ("high", "low"):
                table.add_column(t(f"dash.{side}", axis=t(matrix.columns)), key=side)
            for side in ("high", "low"):
                table.add_row("", "", key=side, label=t(f"dash.{side}", axis=t(matrix.rows)), height=2)
        table = self.query_one("#dash-abc", DataTable)
        for klass in ABC:
            table.add_column(klass, key=klass)
        table.add_row(*("" for _ in ABC), key="count")
        self.query_one("#dash-targets", DataTable).focus()
        self.load()

    @work(thread=True, exclusive=True, group="dashboard")
    def load(self) -> None:
        today = clock.now().astimezone(self.app.config.ui.tzinfo).date()
        with database.connection_context():
            for part, figures in read_figures_in_parts(self.app.rep, self.app.config, today):
                if get_current_worker().is_cancelled:  # the screen may have been closed meanwhile
                    return
                self.app.call_from_thread(self._show, part, figures)

    def _show(self, part: str, figures: Figures) -> None:
        """Show the part just read; the figures are whole once the last part is in."""
        if part == "counts":
            self.first_shown = True
            gc_pause.resume_after_frame(self)
            rep = self.app.rep
            title = t("dash.title", day=figures.today.isoformat(), login=rep.login,
                      role=vocab.label(vocab.ROLES, rep.role, language()), count=figures.visible)
            unclassified = figures.classes["segment"].get("", 0)
            self.query_one("#dash-title", Static).update(
                f"{title}  {t('dash.unclassified', count=unclassified)}" if unclassified else title)
            for name in MATRICES:
                self._show_matrix(name, figures.classes)
            self._show_abc(figures.classes)
            self._show_alerts(figures.alert_counts, figures.alerts)
        elif part == "targets":
            self.targets = figures.targets
            self._show_targets(figures.targets)
        elif part == "aging":
            self._show_aging(figures)
        else:
            self._show_agenda(figures.today, figures.agenda)
            self.figures = figures

    def _show_targets(self, targets: list[Attainment]) -> None:
        lang = language()
        self.query_one("#title-targets", Static).update(
            t("dash.targets", count=len(targets)) if targets else t("dash.no_targets"))
        table = self.query_one("#dash-targets", DataTable)
        row = table.cursor_row
        columns = TARGET_COLUMNS if self.size.width >= TARGET_VALUE_FROM else TARGET_COLUMNS[:-1]
        table.clear(columns=len(table.columns) != len(columns))
        if not table.columns:
            table.add_columns(*(t(c) for c in columns))
        for found in targets:
            target = found.target
            period = Period(target.period, target.period_start, target.period_end)
            cells = (found.who or vocab.label(vocab.TARGET_SCOPES, target.scope, lang),
                     vocab.label(vocab.TARGET_METRICS, target.metric, lang), period.name,
                     _attainment_bar(found.percent, found.elapsed_percent), _percent(found.percent),
                     _percent(found.elapsed_percent), _figure(target.metric, found.actual),
                     _figure(target.metric, target.value))
            table.add_row(*cells[:len(columns)], key=str(target.id))
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))

    def on_resize(self) -> None:
        if self.targets is not None:
            self._show_targets(self.targets)

    def _show_aging(self, figures: Figures) -> None:
        table = self.query_one("#dash-aging", DataTable)
        table.clear()  # rows added anew are measured with the table's other new rows, never late
        owed = sum(figures.aging.values())
        largest = max(figures.aging.values(), default=0)
        for name, cents in figures.aging.items():
            share = "-" if not owed else str((Decimal(cents * 100) / owed).quantize(Decimal("0.1"), ROUND_HALF_UP))
            bar = "".join(_blocks(cents * AGING_BAR // largest if largest else 0, AGING_BAR))
            table.add_row(bucket_title(name), Text(bar, style="red" if name != "not_due" else "green"),
                          _money(cents), Text(share, justify="right"), key=name)
        table.add_row(t("col.unapplied_credit"), "", _money(-figures.credit_cents), "", key="credit")
        table.add_row(Text(t("col.balance"), style="bold"), "",
                      Text(format_money(figures.balance_cents, grouping=True), style="bold", justify="right"), "",
                      key="balance")

    def _show_matrix(self, name: str, classes: dict[str, dict[str, int]]) -> None:
        matrix = MATRICES[name]
        counts = classes.get(matrix.column, {})
        table = self.query_one(f"#dash-{name}", DataTable)
        for (row, side), key in matrix.classes.items():
            words = vocab.label(matrix.words, key, language())
            table.update_cell(row, side, _class_cell(key, words, counts.get(key, 0)), update_width=True)

    def _show_alerts(self, counts: dict[str, int], newest: list[tuple]) -> None:
        lang = language()
        kinds = "  ".join(f"{vocab.label(vocab.ALERT_KINDS, kind, lang)} {n}" for kind, n in sorted(counts.items()))
        self.query_one("#title-alerts", Static).update(f"{t('dash.alerts', count=sum(counts.values()))}  {kinds}")
        table = self.query_one("#dash-alerts", DataTable)
        table.clear()
        for n, (name, kind, cents, customer_id) in enumerate(newest):
            table.add_row(name, vocab.label(vocab.ALERT_KINDS, kind, lang), _money(cents), key=f"{n}:{customer_id}")

    def _show_agenda(self, today: dt.date, found: Agenda) -> None:
        planned = [(f"{at:%H:%M}", code, name, t("dash.visit"), purpose)
                   for at, code, name, purpose in found.planned if at.date() == today]
        due = [(day.isoformat(), code, name, t("dash.follow_up"), step) for day, code, name, step in found.follow_ups]
        self.query_one("#title-agenda", Static).update(t(
            "dash.agenda", planned=len(planned), follow_ups=len(due), gaps=len(found.gaps),
            contracts=len(found.contracts)))
        table = self.query_one("#dash-agenda", DataTable)
        table.clear()
        for n, (when, code, name, kind, what) in enumerate([*planned, *due]):
            table.add_row(when, code, name, Text.assemble((kind, "bold"), " ", what or ""), key=f"{n}:{code}")

    def _show_abc(self, classes: dict[str, dict[str, int]]) -> None:
        counts = classes.get("abc_class", {})
        total = sum(counts.get(klass, 0) for klass in ABC) or 1
        for klass in ABC:
            count = counts.get(klass, 0)
            self._row_cell("#dash-abc", klass, t("dash.abc_cell", count=count, share=(count * 100 + total // 2) // total))

    def _row_cell(self, table_id: str, column: str, value) -> None:
        self.query_one(table_id, DataTable).update_cell("count", column, value, update_width=True)

    @on(DataTable.CellSelected, ".abc")
    def _drill_abc(self, event: DataTable.CellSelected) -> None:
        """Enter on an ABC count: the customer list of that class."""
        from kacrm_tui.screens.customers import CustomersScreen

        self.app.push_screen(CustomersScreen(Filters(abc=event.cell_key.column_key.value)))

    @on(DataTable.CellSelected, ".matrix")
    def _drill(self, event: DataTable.CellSelected) -> None:
        """Enter on a count: the customer list narrowed to that class."""
        from kacrm_tui.screens.customers import CustomersScreen

        matrix = MATRICES[event.data_table.id.removeprefix("dash-")]
        key = matrix.classes[(event.cell_key.row_key.value, event.cell_key.column_key.value)]
        self.app.push_screen(CustomersScreen(Filters(**{matrix.column: key})))

    @on(DataTable.RowSelected, "#dash-alerts")
    def _open_alert(self, event: DataTable.RowSelected) -> None:
        from kacrm_tui.screens.customer import CustomerScreen

        self.app.push_screen(CustomerScreen(int(event.row_key.value.split(":")[1])))

    @on(DataTable.RowSelected, "#dash-agenda")
    def _open_agenda(self, event: DataTable.RowSelected) -> None:
        self.open_customer(event.row_key.value.split(":", 1)[1])


    def action_back(self) -> None:
        """Esc (or `b` again): the customer list beneath."""
        if len(self.app.screen_stack) > 2:  # the default screen, the list, this
            self.app.pop_screen()

    def action_refresh(self) -> None:
        self.load()

    def action_alerts(self) -> None:
        from kacrm_tui.screens.alerts import AlertsScreen

        self.app.push_screen(AlertsScreen())

    def action_agenda(self) -> None:
        from kacrm_tui.screens.agenda import AgendaScreen

        self.app.push_screen(AgendaScreen())
