"""Adding or moving a sales opportunity (销售机会) through the funnel's stages;
`schema.activities.save_opportunity` checks every value."""
from __future__ import annotations

from kacrm_tui.screens.record_form import Field, RecordFormScreen
from schema import vocab
from schema.activities import save_opportunity
from schema.models import Opportunity

FIELDS = (
    Field("title", "opportunity.title"), Field("stage", "col.funnel_stage", "choice", vocab.OPPORTUNITY_STAGES),
    Field("amount", "col.amount", "money", attr="amount_cents"),
    Field("probability", "opportunity.probability", "whole", attr="probability_percent"),
    Field("expected_close_on", "opportunity.expected_close_on", "date"),
    Field("product", "opportunity.product"), Field("next_step", "visit.next_step", "long"),
    Field("lost_reason", "opportunity.lost_reason", "long"),
)


class OpportunityFormScreen(RecordFormScreen):
    MODEL = Opportunity
    FIELDS = FIELDS
    TITLE_NEW, TITLE_EDIT = "opportunity.new", "opportunity.edit"
    KEYWORD = "opportunity"
    save_record = staticmethod(save_opportunity)

    def defaults(self) -> dict[str, str]:
        return {"stage": "build_trust", "probability": "10"}
