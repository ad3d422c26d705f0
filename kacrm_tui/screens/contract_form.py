"""Adding or changing a contract (合同): its number, dates, amount, terms, fees and rebate, and
where the paper original is filed; `schema.activities.save_contract` checks every value."""
from __future__ import annotations

from kacrm_tui.screens.record_form import Field, RecordFormScreen, next_year_text, today_text
from schema import vocab
from schema.activities import save_contract
from schema.models import Contract

FIELDS = (
    Field("number", "contract.number"), Field("title", "contract.title"),
    Field("status", "col.status", "choice", vocab.CONTRACT_STATUSES),
    Field("signed_on", "contract.signed_on", "date"), Field("start_on", "contract.start_on", "date"),
    Field("end_on", "contract.end_on", "date"), Field("amount", "contract.amount", "money", attr="amount_cents"),
    Field("settlement_cycle", "contract.settlement_cycle", "choice", vocab.SETTLEMENT_CYCLES),
    Field("payment_method", "contract.payment_method", "choice", vocab.PAYMENT_METHODS),
    Field("credit_days", "field.credit_days", "whole"),
    Field("entry_fee", "contract.entry_fee", "money", attr="entry_fee_cents"),
    Field("promotion_fee", "contract.promotion_fee", "money", attr="promotion_fee_cents"),
    Field("other_fee", "contract.other_fee", "money", attr="other_fee_cents"),
    Field("rebate_percent", "contract.rebate_percent", "percent", attr="rebate_basis_points"),
    Field("customer_signatory", "contract.customer_signatory"),
    Field("special_terms", "contract.special_terms", "long"),
    Field("paper_archive_no", "contract.paper_archive_no"),
    Field("paper_archive_location", "contract.paper_archive_location"),
)


class ContractFormScreen(RecordFormScreen):
    MODEL = Contract
    FIELDS = FIELDS
    TITLE_NEW, TITLE_EDIT = "contract.new", "contract.edit"
    KEYWORD = "contract"
    save_record = staticmethod(save_contract)

    def defaults(self) -> dict[str, str]:
        return {"status": "draft", "start_on": today_text(self), "end_on": next_year_text(self),
                "settlement_cycle": "monthly", "payment_method": "transfer"}
