"""Entering a customer's scorecard (客户考核) in the app and seeing it in the evaluation tab."""
from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import DataTable, Input, Static

from kacrm_tui.app import make_app
from kacrm_tui.demo.build import build_demo
from kacrm_tui.screens.customer import CustomerScreen
from kacrm_tui.screens.evaluation_form import EvaluationFormScreen
from schema.config import load_config
from schema.db import open_database
from schema.models import AuditEntry, Customer, Evaluation, Rep
from tests.tui.pilot import settle


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    directory = tmp_path_factory.mktemp("evaldemo")
    build_demo(directory, 30, 5, today=dt.date(2026, 11, 20))
    return directory


@pytest.fixture
def opened(demo, monkeypatch):
    monkeypatch.setenv("KACRM_NOW", "2026-11-20T09:00:00+08:00")
    db = open_database(str(demo / "kacrm.db"))
    yield db
    db.close()


async def test_score_a_customer_and_see_the_band(demo, opened):
    rep = Rep.select().where(Rep.role == "rep").order_by(Rep.login).first()
    mine = Customer.select().where(Customer.owner == rep).order_by(Customer.code).first()
    app = make_app(load_config(None, cwd=demo), rep, "kacrm.db")
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        app.push_screen(CustomerScreen(mine.id))
        await settle(app, pilot)
        await pilot.press("k")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EvaluationFormScreen)
        assert form.query_one("#e-period", Input).value == "2026Q4"  # this quarter by default
        form.query_one("#e-ability", Input).value = "90"
        await pilot.press("ctrl+s")  # attitude and results still empty
        await settle(app, pilot)
        assert "态度" in str(form.query_one("#edit-message", Static).render())  # names the empty field
        assert isinstance(app.screen, EvaluationFormScreen)
        form.query_one("#e-attitude", Input).value = "80"
        form.query_one("#e-results", Input).value = "70"
        form.query_one("#e-notes", Input).value = "回款及时，培训积极"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await settle(app, pilot)
        assert isinstance(app.screen, CustomerScreen)
        table = app.screen.query_one("#evaluation-table", DataTable)
        assert [str(cell) for cell in table.get_row_at(0)[:6]] == ["2026Q4", "90", "80", "70", "78", "良好"]
    card = Evaluation.get((Evaluation.customer == mine.id) & (Evaluation.period == "2026Q4"))
    assert (card.score, card.band, card.evaluated_by_id) == (78, "good", rep.id)
    assert AuditEntry.select().where((AuditEntry.table_name == "evaluation")
                                     & (AuditEntry.record_id == str(card.id))).exists()
