"""The command palette (ctrl+p): go to a customer by code, name or pinyin, or log a visit for one
(记拜访) — through the access rule, so the palette never reaches a customer the user may not see.
The screens and actions come from the bindings (KacrmApp.get_system_commands)."""
from __future__ import annotations

import asyncio
from functools import partial

from textual.command import Hit, Hits, Provider

from kacrm_tui.i18n import t
from schema.db import database
from schema.search import search_customers


class CustomerCommands(Provider):
    async def search(self, query: str) -> Hits:
        query = query.strip()
        if len(query) < 2:
            return
        rows = await asyncio.to_thread(_find, self.app.rep, query)  # the database never on the event loop
        for row in rows:
            label = f"{row.code}  {row.name}"
            yield Hit(1.0, label, partial(self._open, row.id), help=t("palette.open_customer"))
        for row in rows:  # after every customer found: a visit for each of them
            yield Hit(0.5, f"{t('visit.key')}: {row.code}  {row.name}", partial(self._visit, row.id),
                      help=t("palette.new_visit"))

    def _open(self, customer_id: int) -> None:
        from kacrm_tui.screens.customer import CustomerScreen

        self.app.push_screen(CustomerScreen(customer_id))

    def _visit(self, customer_id: int) -> None:
        from kacrm_tui.screens.visit_form import VisitFormScreen

        self.app.push_screen(VisitFormScreen(customer_id))


def _find(rep, query: str):
    with database.connection_context():
        return search_customers(rep, query, limit=12)
