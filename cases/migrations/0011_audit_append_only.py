"""The audit trail is append-only in the database too (PostgreSQL): a trigger refuses UPDATE and DELETE of an
audit row, whoever sends them (the ORM refuses them already). TRUNCATE, which only an owner's maintenance or a
test run's flush sends, is a statement of its own and stays possible."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION cases_auditentry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER cases_auditentry_append_only BEFORE UPDATE OR DELETE ON cases_auditentry
    FOR EACH ROW EXECUTE FUNCTION cases_auditentry_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS cases_auditentry_append_only ON cases_auditentry;
DROP FUNCTION IF EXISTS cases_auditentry_append_only();
"""


def run(sql):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # the % in RAISE is not a placeholder

    return apply


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_audit_txid")]

    operations = [migrations.RunPython(run(CREATE), run(DROP), elidable=False)]
