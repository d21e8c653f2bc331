"""Permanent records: the one place that says which tables the database itself keeps from being rewritten, and the
SQL that does it (PostgreSQL; on SQLite the models' and services' own guards are all there is).

Two kinds of protection, both refusing DELETE and TRUNCATE:

- append-only (every `AppendOnlyModel`): UPDATE is refused too; a correction is a new row pointing at the old.
- guarded (a model's `permanence = Guarded(...)`, and simple_history's audit tables): UPDATE is refused except for
  the columns the declaration names: a stamp set once (NULL to a value), a column cleared once (a value to NULL),
  or columns that follow the latest row of an append-only record (the deal's amounts follow its latest
  correction). Every other column, including one added later, stays as it was inserted.

TRUNCATE is refused by a statement-level trigger unless the session set `salesoffice.allow_truncate` to `on`: the
`flush` command does so on a test or DEBUG database (pytest-django empties the tables of transactional tests with
it); on production only a deliberate `SET salesoffice.allow_truncate = on` in a maintenance session passes.

Migrations install the triggers with `AppendOnly(table)` and `GuardedUpdates(table, Guarded(...))`; the
declaration is frozen into the migration like a field, and tests/test_permanent.py compares the database's
triggers and guard functions with the declarations of the live models, so neither can drift unnoticed.
"""

from __future__ import annotations

from django.db import migrations

# The declarations' vocabulary sits below the models that use it (salesoffice.permanence); the migrations that froze
# it import it from here.
from .permanence import Follows as Follows
from .permanence import Guarded as Guarded

ALLOW_TRUNCATE = "salesoffice.allow_truncate"
REFUSE_FUNCTION = "salesoffice_refuse_change"
HISTORY_FUNCTION = "salesoffice_history_guard"
# PostgreSQL cuts longer identifiers silently, and a cut trigger name would not be found to drop or check.
_MAX_IDENTIFIER = 63

REFUSE_FUNCTION_BODY = f"""
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('{ALLOW_TRUNCATE}', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'permanent table %: % refused (append-only; a correction is a new row)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
"""
REFUSE_FUNCTION_SQL = (
    f"CREATE OR REPLACE FUNCTION {REFUSE_FUNCTION}() RETURNS trigger AS $${REFUSE_FUNCTION_BODY}$$ LANGUAGE plpgsql;"
)


# simple_history's audit rows are inserted and never rewritten; deleting a user clears who made them, as the
# history_user foreign key (SET_NULL) declares, and nothing else.
HISTORY = Guarded(clears=("history_user_id",), function=HISTORY_FUNCTION)


def row_trigger(table: str) -> str:
    return _identifier(f"{table}_append_only")


def guard_trigger(table: str) -> str:
    return _identifier(f"{table}_guarded")


def truncate_trigger(table: str) -> str:
    return _identifier(f"{table}_no_truncate")


def _identifier(name: str) -> str:
    if len(name) > _MAX_IDENTIFIER:
        raise ValueError(f"{name} is longer than PostgreSQL keeps ({_MAX_IDENTIFIER})")
    return name


def _create_truncate_trigger(schema_editor, table: str) -> None:
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {truncate_trigger(table)} ON {table}")
    schema_editor.execute(
        f"CREATE TRIGGER {truncate_trigger(table)} BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {REFUSE_FUNCTION}()"
    )


def _is_postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class AppendOnly(migrations.operations.base.Operation):
    """Make `table` append-only: UPDATE, DELETE and TRUNCATE refused. `had_row_trigger`: the table already had the
    UPDATE/DELETE trigger from an earlier migration, so going back removes only what this one added."""

    reduces_to_sql = False
    reversible = True

    def __init__(self, table: str, *, had_row_trigger: bool = False):
        self.table = table
        self.had_row_trigger = had_row_trigger

    def deconstruct(self):
        kwargs = {"had_row_trigger": True} if self.had_row_trigger else {}
        return self.__class__.__name__, [self.table], kwargs

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not _is_postgresql(schema_editor):
            return
        table = self.table
        schema_editor.execute(REFUSE_FUNCTION_SQL, params=None)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {row_trigger(table)} ON {table}")
        schema_editor.execute(
            f"CREATE TRIGGER {row_trigger(table)} BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {REFUSE_FUNCTION}()"
        )
        _create_truncate_trigger(schema_editor, table)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if not _is_postgresql(schema_editor):
            return
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {truncate_trigger(self.table)} ON {self.table}")
        if not self.had_row_trigger:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {row_trigger(self.table)} ON {self.table}")

    def describe(self):
        return f"Make {self.table} append-only (UPDATE, DELETE, TRUNCATE refused)"


class GuardedUpdates(migrations.operations.base.Operation):
    """Keep `table`'s rows: DELETE and TRUNCATE refused, UPDATE only as `guarded` allows."""

    reduces_to_sql = False
    reversible = True

    def __init__(self, table: str, guarded: Guarded):
        self.table = table
        self.guarded = guarded

    def deconstruct(self):
        return self.__class__.__name__, [self.table, self.guarded], {}

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not _is_postgresql(schema_editor):
            return
        table, function = self.table, self.guarded.function_name(self.table)
        schema_editor.execute(REFUSE_FUNCTION_SQL, params=None)
        schema_editor.execute(self.guarded.function_sql(table), params=None)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {guard_trigger(table)} ON {table}")
        schema_editor.execute(
            f"CREATE TRIGGER {guard_trigger(table)} BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
        _create_truncate_trigger(schema_editor, table)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if not _is_postgresql(schema_editor):
            return
        table = self.table
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {truncate_trigger(table)} ON {table}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {guard_trigger(table)} ON {table}")
        if not self.guarded.function:  # a shared function stays for the other tables that use it
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {self.guarded.function_name(table)}()")

    def describe(self):
        return f"Guard {self.table}'s rows (DELETE, TRUNCATE refused; UPDATE only of {self.guarded.mutable()})"


def permanent_models() -> dict[type, Guarded | None]:
    """Every permanent model of the project with its protection: None for append-only, else its `Guarded`."""
    from django.apps import apps
    from simple_history.models import HistoricalChanges

    from .models import PermanentModel

    found: dict[type, Guarded | None] = {}
    for model in apps.get_models():
        if issubclass(model, PermanentModel):
            found[model] = model.permanence
        elif issubclass(model, HistoricalChanges):
            found[model] = HISTORY
    return found


def allow_truncate(cursor) -> None:
    """Let this session TRUNCATE permanent tables (a test's flush, a maintenance session); see the module's doc."""
    cursor.execute("SELECT set_config(%s, 'on', false)", [ALLOW_TRUNCATE])


def forbid_truncate(cursor) -> None:
    cursor.execute("SELECT set_config(%s, 'off', false)", [ALLOW_TRUNCATE])


# pg_trigger.tgtype bits
_ROW, _BEFORE, _DELETE, _UPDATE, _TRUNCATE = 1, 2, 8, 16, 32


def protection_problems(connection) -> list[str]:
    """What the database lacks of the declared protection, one sentence per gap (empty: all there). Also a table
    protected in the database that no model declares permanent, which would be a declaration lost."""
    if connection.vendor != "postgresql":
        return []
    declared = {model._meta.db_table: guarded for model, guarded in permanent_models().items()}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, t.tgtype, p.proname, p.prosrc
            FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
            WHERE NOT t.tgisinternal AND t.tgenabled <> 'D'
              AND (p.proname = %s OR p.proname = %s OR p.proname LIKE %s)
            """,
            [REFUSE_FUNCTION, HISTORY_FUNCTION, "%\\_guard"],
        )
        triggers: dict[str, list[tuple[int, str, str]]] = {}
        for table, tgtype, function, source in cursor.fetchall():
            triggers.setdefault(table, []).append((tgtype, function, source))
    problems = [f"{table}: protected in the database but declared by no model" for table in triggers.keys() - declared]
    for table, guarded in sorted(declared.items()):
        function = REFUSE_FUNCTION if guarded is None else guarded.function_name(table)
        body = REFUSE_FUNCTION_BODY if guarded is None else guarded.function_body()
        rows = [(tgtype, source) for tgtype, name, source in triggers.get(table, []) if name == function]
        row_events = [tgtype for tgtype, _source in rows if tgtype & _ROW and tgtype & _BEFORE]
        for event, bit in (("UPDATE", _UPDATE), ("DELETE", _DELETE)):
            if not any(tgtype & bit for tgtype in row_events):
                problems.append(f"{table}: no trigger refuses {event} ({function})")
        if any(source != body for _tgtype, source in rows):
            problems.append(f"{table}: {function} is not what the model declares (a migration is missing)")
        truncate = [
            source
            for tgtype, name, source in triggers.get(table, [])
            if name == REFUSE_FUNCTION and tgtype & _TRUNCATE and tgtype & _BEFORE and not tgtype & _ROW
        ]
        if not truncate:
            problems.append(f"{table}: no trigger refuses TRUNCATE")
        elif any(source != REFUSE_FUNCTION_BODY for source in truncate):
            problems.append(f"{table}: {REFUSE_FUNCTION} is not the one of salesoffice.permanent")
    return problems
