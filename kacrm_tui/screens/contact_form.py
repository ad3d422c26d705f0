"""Adding or changing a key contact (关键联系人): role in the buying centre, relationship stage, how
to reach them, and a birthday kept as given (solar or lunar 农历);
`schema.activities.save_contact` checks every value."""
from __future__ import annotations

from kacrm_tui.screens.record_form import Field, RecordFormScreen
from schema import vocab
from schema.activities import save_contact
from schema.models import Contact


def _birthday(contact: Contact) -> str:
    if contact.birthday_month is None or contact.birthday_day is None:
        return ""
    return f"{contact.birthday_month:02d}-{contact.birthday_day:02d}"


FIELDS = (
    Field("name", "col.name"), Field("title", "col.title"), Field("department", "contact.department"),
    Field("buying_role", "col.role", "choice", vocab.BUYING_ROLES),
    Field("stage", "col.stage", "choice", vocab.RELATIONSHIP_STAGES),
    Field("mobile", "col.mobile"), Field("phone", "field.phone"), Field("email", "contact.email"),
    Field("wechat", "contact.wechat"), Field("birthday_calendar", "contact.calendar", "choice", vocab.CALENDARS),
    Field("birthday", "contact.birthday", read=_birthday), Field("birth_year", "contact.birth_year", "whole"),
    Field("hobbies", "contact.hobbies", "long"), Field("family_notes", "contact.family_notes", "long"),
    Field("personality_notes", "contact.personality_notes", "long"),
)


class ContactFormScreen(RecordFormScreen):
    MODEL = Contact
    FIELDS = FIELDS
    TITLE_NEW, TITLE_EDIT = "contact.new", "contact.edit"
    KEYWORD = "contact"
    save_record = staticmethod(save_contact)

    def defaults(self) -> dict[str, str]:
        return {"buying_role": "user", "stage": "acquainted", "birthday_calendar": "solar"}
