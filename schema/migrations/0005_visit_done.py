"""Migration 5: an index of the visits by customer, status, deletion and time, so that a
customer's last visit done is one probe that never reads the table: "past the visit gap" (the
agenda, the dashboard, `kacrm report cadence`) reads it for 100,000 customers instead of grouping
a million visits."""


def up(migrator, db):
    db.execute_sql("CREATE INDEX visit_done ON visit (customer_id, status, deleted_at, at)")


def down(migrator, db):
    db.execute_sql("DROP INDEX visit_done")
