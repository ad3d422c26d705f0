"""Migration 3: the ledger becomes a view over the documents (DESIGN §4 allows either), so that a
million-line order file writes each order once instead of once more as a posting.

- `adjustment` takes the manual adjustments of `ledger_entry` (same ids, so `reverses` holds);
  the order and payment postings there were copies of their documents and go with the table.
- the view `posting` is every order, payment and adjustment as one posting.
- the index on order dates goes (reports by period read the table through); partial indexes find
  the few customers holding an unused return or unapplied money; the index of a customer's orders
  by due date carries the open amount, so that the overdue sums read the index alone.
- content hashes keep their first 32 hex digits (128 bits), as new lines are hashed from now on.
"""
from peewee import *

POSTING = """CREATE VIEW posting AS
SELECT customer_id, order_date AS posted_on,
       CASE WHEN amount_cents < 0 THEN 'return' ELSE 'order' END AS kind, amount_cents,
       id AS order_id, NULL AS payment_id, NULL AS adjustment_id, '' AS reason, source_file_id, created_at
  FROM "order"
UNION ALL
SELECT customer_id, paid_on, 'payment', -amount_cents, NULL, id, NULL, '', source_file_id, created_at
  FROM payment
UNION ALL
SELECT customer_id, posted_on, 'adjustment', amount_cents, NULL, NULL, id, reason, NULL, created_at
  FROM adjustment"""


def up(migrator, db):
    class Rep(Model):
        class Meta:
            database = db
            table_name = 'rep'

    class Customer(Model):
        class Meta:
            database = db
            table_name = 'customer'

    class Adjustment(Model):
        customer = ForeignKeyField(Customer, on_delete='RESTRICT', index=False)
        posted_on = DateField()
        amount_cents = BigIntegerField()
        reverses = ForeignKeyField('self', null=True, on_delete='RESTRICT', index=False)
        reason = TextField()
        created_by = ForeignKeyField(Rep, null=True, on_delete='SET NULL', index=False)
        created_at = DateTimeField()
        class Meta:
            database = db
            legacy_table_names = False
            table_name = 'adjustment'
            indexes = ((('customer', 'posted_on'), False),)
    db.create_tables([Adjustment])
    db.execute_sql(
        "INSERT INTO adjustment (id, customer_id, posted_on, amount_cents, reverses_id, reason, created_by_id,"
        " created_at) SELECT id, customer_id, posted_on, amount_cents, reverses_id, reason, created_by_id,"
        " created_at FROM ledger_entry WHERE kind = 'adjustment' ORDER BY id")
    if not isinstance(db, SqliteDatabase):
        db.execute_sql("SELECT setval(pg_get_serial_sequence('adjustment', 'id'),"
                       " COALESCE((SELECT MAX(id) FROM adjustment), 0) + 1, false)")
    migrator.migrate(migrator.drop_table('ledger_entry'))
    migrator.migrate(migrator.drop_index('order', 'order_order_date'),
                     migrator.drop_index('order', 'order_customer_id_due_date'),
                     migrator.add_index('order', ('customer_id', 'due_date', 'open_cents'), False))
    for table in ('"order"', 'payment'):
        db.execute_sql(f"UPDATE {table} SET content_hash = substr(content_hash, 1, 32) WHERE length(content_hash) > 32")
    db.execute_sql('CREATE INDEX order_credit ON "order" (customer_id) WHERE open_cents < 0')
    db.execute_sql('CREATE INDEX payment_unapplied ON payment (customer_id) WHERE unapplied_cents > 0')
    db.execute_sql(POSTING)


def down(migrator, db):
    db.execute_sql("DROP VIEW posting")
    db.execute_sql("DROP INDEX payment_unapplied")
    db.execute_sql("DROP INDEX order_credit")
    migrator.migrate(migrator.add_index('order', ('order_date',), False),
                     migrator.drop_index('order', 'order_customer_id_due_date_open_cents'),
                     migrator.add_index('order', ('customer_id', 'due_date'), False))

    class LedgerEntry(Model):
        customer_id = IntegerField()
        posted_on = DateField()
        kind = CharField(max_length=12)
        amount_cents = BigIntegerField()
        order_id = IntegerField(null=True)
        payment_id = IntegerField(null=True)
        reverses_id = IntegerField(null=True)
        reason = TextField(default='')
        created_by_id = IntegerField(null=True)
        source_file_id = IntegerField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'ledger_entry'
            indexes = ((('customer_id', 'posted_on'), False),)
    db.create_tables([LedgerEntry])
    db.execute_sql(
        "INSERT INTO ledger_entry (customer_id, posted_on, kind, amount_cents, order_id, payment_id, reverses_id,"
        " reason, created_by_id, source_file_id, created_at) SELECT customer_id, order_date,"
        " CASE WHEN amount_cents < 0 THEN 'return' ELSE 'order' END, amount_cents, id, NULL, NULL, '', NULL,"
        ' source_file_id, created_at FROM "order"')
    db.execute_sql(
        "INSERT INTO ledger_entry (customer_id, posted_on, kind, amount_cents, order_id, payment_id, reverses_id,"
        " reason, created_by_id, source_file_id, created_at) SELECT customer_id, paid_on, 'payment', -amount_cents,"
        " NULL, id, NULL, '', NULL, source_file_id, created_at FROM payment")
    db.execute_sql(
        "INSERT INTO ledger_entry (customer_id, posted_on, kind, amount_cents, order_id, payment_id, reverses_id,"
        " reason, created_by_id, source_file_id, created_at) SELECT customer_id, posted_on, 'adjustment',"
        " amount_cents, NULL, NULL, reverses_id, reason, created_by_id, NULL, created_at FROM adjustment")
    migrator.migrate(migrator.drop_table('adjustment'))
