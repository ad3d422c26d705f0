"""Recording a complaint or feedback (投诉) and its resolution, with any discount granted (折价);
`schema.activities.save_complaint` checks every value."""
from __future__ import annotations

from kacrm_tui.i18n import t
from kacrm_tui.screens.record_form import Field, RecordFormScreen, today_text
from schema import vocab
from schema.activities import save_complaint
from schema.models import Complaint

FIELDS = (
    Field("received_on", "complaint.received_on", "date"),
    Field("kind", "col.kind", "choice", vocab.COMPLAINT_KINDS),
    Field("severity", "complaint.severity", "choice", vocab.SEVERITIES),
    Field("subject", "complaint.subject"), Field("detail", "complaint.detail", "long"),
    Field("status", "col.status", "choice", vocab.COMPLAINT_STATUSES),
    Field("resolution", "complaint.resolution", "long"), Field("resolved_on", "complaint.resolved_on", "date"),
    Field("discount", "complaint.discount", "money", attr="discount_cents"),
)


class ComplaintFormScreen(RecordFormScreen):
    MODEL = Complaint
    FIELDS = FIELDS
    TITLE_NEW, TITLE_EDIT = "complaint.new", "complaint.edit"
    KEYWORD = "complaint"
    APPROVALS = True  # a rep's discount waits for the manager where approvals are on
    save_record = staticmethod(save_complaint)

    def waiting_message(self, values: dict[str, str], request_id: int) -> str:
        return t("approval.discount_sent", amount=values.get("discount", ""), id=request_id)

    def defaults(self) -> dict[str, str]:
        return {"received_on": today_text(self), "kind": "complaint", "severity": "medium", "status": "open"}
