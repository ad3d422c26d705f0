"""Reps: the users of kacrm."""
from __future__ import annotations

from peewee import BooleanField, CharField, ForeignKeyField

from schema import vocab
from schema.models.base import TrackedModel


class Rep(TrackedModel):
    """A user of kacrm: a rep, a manager or an admin. Identified by `login` (the SSH/OS login)."""

    login = CharField(max_length=64, unique=True)
    name = CharField(max_length=100)
    role = CharField(max_length=16, default="rep", choices=vocab.choices(vocab.ROLES), index=True)
    region = CharField(max_length=64, default="", index=True)  # '' for a manager: every region
    manager = ForeignKeyField("self", null=True, backref="team", on_delete="SET NULL")
    phone = CharField(max_length=40, default="")
    email = CharField(max_length=120, default="")
    language = CharField(max_length=8, default="")  # '' = the site's [ui] language
    active = BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.login})"
