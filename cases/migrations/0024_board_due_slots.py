"""The board's kept lights (``cases.models.board.BoardDue``) spread over ``BOARD_COUNT_SLOTS`` rows by case id, as
the counts per state are: every case of a unit registered on one day shares one (unit, yellow day, due day)
row, so two transactions moving two such cases waited for each other's commit on it (most of the lock waits of
two workers running lifecycles in one unit). The triggers take the slot; the rows are counted afresh."""

import importlib

from django.db import migrations, models

SLOTS = 4  # cases.models.board.BOARD_COUNT_SLOTS when this was written
BEFORE = importlib.import_module(
    "cases.migrations.0023_board_lights"
)  # its rule of a lit case; the reverse's
lit = BEFORE.lit


def pg_key(row: str) -> str:
    return f"{BEFORE.pg_key(row)}, {row}.id % {SLOTS}"


KEY = "unit_id, yellow_day, due_day, paused, slot"
POSTGRESQL = f"""
CREATE FUNCTION cases_boarddue_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO cases_boarddue ({KEY}, count)
    SELECT {KEY}, SUM(delta) FROM (
        SELECT {pg_key("OLD")}, -1 WHERE TG_OP IN ('UPDATE', 'DELETE') AND {lit("OLD")}
        UNION ALL
        SELECT {pg_key("NEW")}, 1 WHERE TG_OP IN ('UPDATE', 'INSERT') AND {lit("NEW")}
    ) AS moved ({KEY}, delta)
    GROUP BY {KEY}
    HAVING SUM(delta) != 0
    ORDER BY {KEY}
    ON CONFLICT ({KEY}) DO UPDATE SET count = cases_boarddue.count + EXCLUDED.count;
    RETURN NULL;
END
$$;
""" + BEFORE.POSTGRESQL[BEFORE.POSTGRESQL.index("CREATE TRIGGER") :]  # the same triggers, the new function
SQLITE_REMOVE = f"""
    UPDATE cases_boarddue SET count = count - 1
    WHERE {lit("OLD")} AND unit_id = OLD.unit_id AND yellow_day = date(OLD.yellow_at)
        AND due_day = date(OLD.due_at) AND paused = OLD.paused AND slot = OLD.id % {SLOTS};"""
SQLITE_ADD = f"""
    INSERT INTO cases_boarddue ({KEY}, count)
    SELECT NEW.unit_id, date(NEW.yellow_at), date(NEW.due_at), NEW.paused, NEW.id % {SLOTS}, 1 WHERE {lit("NEW")}
    ON CONFLICT ({KEY}) DO UPDATE SET count = count + 1;"""
SQLITE = [
    f"CREATE TRIGGER cases_boarddue_insert AFTER INSERT ON cases_case BEGIN {SQLITE_ADD} END",
    f"CREATE TRIGGER cases_boarddue_delete AFTER DELETE ON cases_case BEGIN {SQLITE_REMOVE} END",
    "CREATE TRIGGER cases_boarddue_update AFTER UPDATE OF unit_id, state, yellow_at, due_at, paused ON cases_case "
    f"BEGIN {SQLITE_REMOVE} {SQLITE_ADD} END",
]
DROP = {"postgresql": [BEFORE.POSTGRESQL_DROP], "sqlite": BEFORE.SQLITE_DROP}  # the triggers' names are kept
CREATE = {"postgresql": [POSTGRESQL], "sqlite": SQLITE}


def backfill(slot: str) -> dict[str, str]:
    """The rows counted from the cases, each in the slot ``slot`` says (an expression of the case ``c``)."""
    return {
        "postgresql": f"""
INSERT INTO cases_boarddue ({KEY}, count)
SELECT {BEFORE.pg_key("c")}, {slot}, COUNT(*) FROM cases_case c WHERE {lit("c")} GROUP BY 1, 2, 3, 4, 5
""",
        "sqlite": f"""
INSERT INTO cases_boarddue ({KEY}, count)
SELECT c.unit_id, date(c.yellow_at), date(c.due_at), c.paused, {slot}, COUNT(*) FROM cases_case c
WHERE {lit("c")} GROUP BY 1, 2, 3, 4, 5
""",
    }


BACKFILL = backfill(f"c.id % {SLOTS}")
BACKFILL_UNSLOTTED = backfill("0")  # what 0023's key allows again once the slot goes (the reverse)


def run(schema_editor, statements: dict) -> None:
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, params=None)


def recount(schema_editor, backfill: dict) -> None:
    if schema_editor.connection.vendor in backfill:
        schema_editor.execute("DELETE FROM cases_boarddue", params=None)
        schema_editor.execute(backfill[schema_editor.connection.vendor], params=None)
    if schema_editor.connection.vendor == "postgresql":  # the new rows' deferred key checks now, not at the
        schema_editor.execute(
            "SET CONSTRAINTS ALL IMMEDIATE", params=None
        )  # table's next change in this transaction


# Triggers go before the table changes and come after: SQLite remakes the table to change it, and a trigger on
# the case table naming it fails meanwhile.
def triggers_dropped(apps, schema_editor):
    run(schema_editor, DROP)


def triggers_of_0023(apps, schema_editor):
    run(schema_editor, {"postgresql": [BEFORE.POSTGRESQL], "sqlite": BEFORE.SQLITE})


def slotted(apps, schema_editor):
    run(schema_editor, CREATE)
    recount(schema_editor, BACKFILL)


def unslotted(apps, schema_editor):
    run(schema_editor, {"postgresql": [BEFORE.POSTGRESQL_DROP], "sqlite": BEFORE.SQLITE_DROP})
    recount(schema_editor, BACKFILL_UNSLOTTED)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0023_board_lights"),
    ]

    operations = [
        migrations.RunPython(triggers_dropped, triggers_of_0023, elidable=False),
        migrations.RemoveConstraint(model_name="boarddue", name="board_due_once"),
        migrations.AddField(
            model_name="boarddue",
            name="slot",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="slot"),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="boarddue",
            constraint=models.UniqueConstraint(
                fields=("unit", "yellow_day", "due_day", "paused", "slot"), name="board_due_once"
            ),
        ),
        migrations.RunPython(slotted, unslotted, elidable=False),
    ]
