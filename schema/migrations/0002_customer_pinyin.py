"""Migration 2: pinyin keys on customers (name_pinyin, name_initials) for search by 拼音, filled in
for the customers already there."""
from peewee import CharField
from pypinyin import lazy_pinyin


def _keys(name):
    syllables = [s.lower() for s in lazy_pinyin(name, errors=lambda text: list(text)) if s.strip()]
    return ("".join(s for s in syllables if s.isalnum()),
            "".join(s[0] for s in syllables if s[:1].isalnum()))


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("customer", "name_pinyin", CharField(max_length=600, default="")),
        migrator.add_column("customer", "name_initials", CharField(max_length=200, default="")),
        migrator.add_index("customer", ("name_pinyin",)),
        migrator.add_index("customer", ("name_initials",)),
    )
    rows = db.execute_sql("SELECT id, name FROM customer").fetchall()
    for customer_id, name in rows:
        full, initials = _keys(name or "")
        db.execute_sql("UPDATE customer SET name_pinyin = %s, name_initials = %s WHERE id = %s"
                       .replace("%s", db.param), (full, initials, customer_id))


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("customer", "customer_name_initials"),
        migrator.drop_index("customer", "customer_name_pinyin"),
        migrator.drop_column("customer", "name_initials"),
        migrator.drop_column("customer", "name_pinyin"),
    )
