"""Entering a customer's scorecard (客户考核) in the app and seeing it in the evaluation tab."""
from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Static

from kacrm_tui.screens.customer import CustomerScreen
from kacrm_tui.screens.evaluation_form import EvaluationFormScreen
from schema.models import AuditEntry, Evaluation
from tests.tui.pilot import fill, open_customer, press_for, settle


@pytest.mark.usefixtures("frozen_clock")
async def test_score_a_customer_and_see_the_band(app_for, rep, customer):
    app = app_for(rep)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await open_customer(app, pilot, customer)
        form = await press_for(app, pilot, "k", EvaluationFormScreen)
        assert form.query_one("#e-period", Input).value == "2026Q4"  # this quarter by default
        form.query_one("#e-ability", Input).value = "90"
        await pilot.press("ctrl+s")  # attitude and results still empty
        await settle(app, pilot)
        assert "态度" in str(form.query_one("#edit-message", Static).render())  # names the empty field
        assert isinstance(app.screen, EvaluationFormScreen)
        fill(form, {"#e-attitude": "80", "#e-results": "70", "#e-notes": "回款及时，培训积极"})
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await settle(app, pilot)
        assert isinstance(app.screen, CustomerScreen)
        table = app.screen.query_one("#evaluation-table", DataTable)
        assert [str(cell) for cell in table.get_row_at(0)[:6]] == ["2026Q4", "90", "80", "70", "78", "良好"]
    card = Evaluation.get((Evaluation.customer == customer.id) & (Evaluation.period == "2026Q4"))
    assert (card.score, card.band, card.evaluated_by_id) == (78, "good", rep.id)
    assert AuditEntry.select().where((AuditEntry.table_name == "evaluation")
                                     & (AuditEntry.record_id == str(card.id))).exists()
