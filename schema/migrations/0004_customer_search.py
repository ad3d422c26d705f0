"""Migration 4: search as you type over a hundred thousand customers.

- on SQLite with FTS5's trigram tokenizer (3.34 and later), two full-text indexes over the columns
  a rep searches: `customer_search` (code, name, short name, pinyin, initials, phone) and
  `contact_search` (contact name, mobile, phone). Both are external-content tables (the text stays
  in `customer` and `contact`, the index holds only trigrams) kept current by triggers, so every
  writer (the app, the CLI, the daemon, a bulk load) keeps them right without knowing of them. Any
  substring of three or more characters is found through them (schema/search.py).
- on PostgreSQL, or a SQLite built without trigram, no index table: schema/search.py falls back
  to LIKE over the same columns.
- an index on the short name, for the prefix match of one- and two-character searches.
"""
from peewee import OperationalError, SqliteDatabase

CUSTOMER_COLUMNS = ("code", "name", "short_name", "name_pinyin", "name_initials", "phone")
CONTACT_COLUMNS = ("name", "mobile", "phone")


def _fts(table, content, columns):
    names = ", ".join(columns)
    old = ", ".join(f"old.{c}" for c in columns)
    new = ", ".join(f"new.{c}" for c in columns)
    delete = f"INSERT INTO {table}({table}, rowid, {names}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {table}(rowid, {names}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE {table} USING fts5({names}, content='{content}', content_rowid='id',"
        f" tokenize='trigram')",
        f"CREATE TRIGGER {table}_insert AFTER INSERT ON {content} BEGIN {insert} END",
        f"CREATE TRIGGER {table}_delete AFTER DELETE ON {content} BEGIN {delete} END",
        # only the searched columns: the daemon's balance updates leave the index alone
        f"CREATE TRIGGER {table}_update AFTER UPDATE OF {names} ON {content} BEGIN {delete} {insert} END",
        f"INSERT INTO {table}({table}) VALUES ('rebuild')",
    ]


def _has_trigram(db):
    try:
        db.execute_sql("CREATE VIRTUAL TABLE temp.kacrm_trigram_probe USING fts5(x, tokenize='trigram')")
    except OperationalError:
        return False
    db.execute_sql("DROP TABLE temp.kacrm_trigram_probe")
    return True


def up(migrator, db):
    migrator.migrate(migrator.add_index("customer", ("short_name",)))
    if isinstance(db, SqliteDatabase) and _has_trigram(db):
        for sql in _fts("customer_search", "customer", CUSTOMER_COLUMNS) + _fts("contact_search", "contact",
                                                                                 CONTACT_COLUMNS):
            db.execute_sql(sql)


def down(migrator, db):
    if isinstance(db, SqliteDatabase):
        for table in ("customer_search", "contact_search"):
            for trigger in ("insert", "delete", "update"):
                db.execute_sql(f"DROP TRIGGER IF EXISTS {table}_{trigger}")
            db.execute_sql(f"DROP TABLE IF EXISTS {table}")
    migrator.migrate(migrator.drop_index("customer", "customer_short_name"))
