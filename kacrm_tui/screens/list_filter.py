"""The customer list's filters in one place (`f`): grade, segment, region and lifecycle, each "all"
or one value, and the three switches mine, overdue and over the credit limit (also on m, o, l).
ctrl+s applies, Esc leaves the list as it was, ctrl+r clears every filter. The regions
offered are those of the customers the user may see."""
from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Label, Select, Static

from kacrm_tui.i18n import language, t
from kacrm_tui.keys import TranslatedBindings
from kacrm_tui.widgets.choice import choice_options
from schema import access, vocab
from schema.models import Customer, Rep
from schema.search import Filters

GRADES = ("A", "B", "C")
SWITCHES = ("mine", "overdue", "over_limit")


def visible_regions(rep: Rep) -> list[str]:
    """The regions of the customers `rep` may see, in order (one index read for everyone's)."""
    query = access.visible_customers(rep).select(Customer.region).where(Customer.region != "").distinct()
    return sorted(region for (region,) in query.tuples())


class FilterScreen(TranslatedBindings, ModalScreen[Filters | None]):
    """Answers the list's new filters, None to keep them (Esc)."""

    BINDINGS = [Binding("ctrl+s", "apply", "filter.apply", id="filter.apply"),
                Binding("ctrl+r", "clear", "filter.clear", id="filter.clear"),
                Binding("escape", "cancel", "tui.back", id="filter.cancel")]

    def __init__(self, filters: Filters, regions: list[str]) -> None:
        super().__init__()
        self.filters, self.regions = filters, regions

    def compose(self) -> ComposeResult:
        lang = language()
        regions = self.regions if not self.filters.region or self.filters.region in self.regions \
            else [*self.regions, self.filters.region]
        with Vertical(id="filter"):
            yield Static(t("filter.title"), id="filter-title")
            with Grid(id="filter-grid"):
                yield Label(t("col.grade"))
                yield Select([(grade, grade) for grade in GRADES], prompt=t("filter.all"), id="filter-grade")
                yield Label(t("col.segment"))
                yield Select(choice_options(vocab.SEGMENTS, lang), prompt=t("filter.all"), id="filter-segment")
                yield Label(t("filter.region"))
                yield Select([(region, region) for region in regions], prompt=t("filter.all"), id="filter-region")
                yield Label(t("filter.lifecycle"))
                yield Select(choice_options(vocab.LIFECYCLES, lang), prompt=t("filter.all"), id="filter-lifecycle")
            for name in SWITCHES:
                yield Checkbox(t(f"list.{name}"), id=f"filter-{name}")
            yield Static(t("filter.hint"), id="filter-hint")

    def on_mount(self) -> None:
        self._show(self.filters)
        self.query_one("#filter-grade", Select).focus()

    def _show(self, filters: Filters) -> None:
        picked = {"grade": filters.grades[0] if len(filters.grades) == 1 else "", "segment": filters.segment,
                  "region": filters.region, "lifecycle": filters.lifecycle}
        for name, value in picked.items():
            self.query_one(f"#filter-{name}", Select).value = value or Select.NULL
        for name in SWITCHES:
            self.query_one(f"#filter-{name}", Checkbox).value = getattr(filters, name)

    def _picked(self, name: str) -> str:
        value = self.query_one(f"#filter-{name}", Select).value
        return "" if value is Select.NULL else str(value)

    def action_apply(self) -> None:
        grade = self._picked("grade")
        self.dismiss(replace(self.filters, grades=(grade,) if grade else (), segment=self._picked("segment"),
                             region=self._picked("region"), lifecycle=self._picked("lifecycle"),
                             **{name: self.query_one(f"#filter-{name}", Checkbox).value for name in SWITCHES}))

    def action_clear(self) -> None:
        self._show(Filters())
        self.filters = Filters()

    def action_cancel(self) -> None:
        self.dismiss(None)
