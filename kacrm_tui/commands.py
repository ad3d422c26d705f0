"""The command palette (ctrl+p): go to a customer by code, name or pinyin — through the access
rule, so the palette never reaches a customer the user may not see. The screens and actions come
from the bindings (KacrmApp.get_system_commands)."""
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

    def _open(self, customer_id: int) -> None:
        from kacrm_tui.screens.customer import CustomerScreen

        self.app.push_screen(CustomerScreen(customer_id))


def _find(rep, query: str):
    with database.connection_context():
        return search_customers(rep, query, limit=12)
