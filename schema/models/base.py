"""The base model and the field types every table shares."""
from __future__ import annotations

import datetime as dt

from peewee import BigIntegerField, DateTimeField, IntegerField, Model

from schema import clock
from schema.db import database


class UTCDateTimeField(DateTimeField):
    """A timestamp stored as naive UTC (portable across SQLite and PostgreSQL), read back aware."""

    def db_value(self, value):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(clock.UTC).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value):
        value = super().python_value(value)
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=clock.UTC)
        return value


class MoneyField(BigIntegerField):
    """Integer cents (分). 64-bit everywhere: PostgreSQL's INTEGER would stop at 21 million yuan."""


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class TrackedModel(BaseModel):
    """An editable record: optimistic `version`, creation and update times, soft deletion."""

    version = IntegerField(default=1)
    created_at = UTCDateTimeField(default=clock.now)
    updated_at = UTCDateTimeField(default=clock.now)
    deleted_at = UTCDateTimeField(null=True, index=True)

    @classmethod
    def live(cls):
        """Records not soft-deleted."""
        return cls.select().where(cls.deleted_at.is_null())
