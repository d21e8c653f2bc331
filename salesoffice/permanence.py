"""How a permanent model declares which of its columns may still change (`permanence = Guarded(...)`), and the guard
function's SQL each declaration makes. Plain data below the models that declare it; the triggers, the migration
operations and the check that the database matches are in salesoffice.permanent."""

from __future__ import annotations

from dataclasses import dataclass, field


def _refuse(message: str, *args: str) -> str:
    arguments = "".join(f", {arg}" for arg in args)
    return (
        f"RAISE EXCEPTION 'permanent table %: {message}', TG_TABLE_NAME{arguments} "
        "USING ERRCODE = 'integrity_constraint_violation';"
    )


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Follows:
    """Columns of a guarded row that change only as the latest row of an append-only record (`table`, pointing at
    the guarded row by `fk`, latest by `order`) says: `columns` maps each column to the record's column holding its
    new value, `before` to the one holding its value before, and the record's `match` columns have these values."""

    table: str
    fk: str
    columns: dict[str, str]
    before: dict[str, str] = field(default_factory=dict)
    match: dict[str, str] = field(default_factory=dict)
    order: str = "id"

    def check_sql(self) -> str:
        mine = ", ".join(self.columns)
        conditions = [f"latest.{col} = {_literal(value)}" for col, value in self.match.items()]
        conditions += [f"latest.{theirs} IS NOT DISTINCT FROM NEW.{col}" for col, theirs in self.columns.items()]
        conditions += [f"latest.{theirs} IS NOT DISTINCT FROM OLD.{col}" for col, theirs in self.before.items()]
        return f"""
    IF ROW(NEW.{mine.replace(", ", ", NEW.")}) IS DISTINCT FROM ROW(OLD.{mine.replace(", ", ", OLD.")}) THEN
        SELECT * INTO latest FROM {self.table} WHERE {self.fk} = OLD.id ORDER BY {self.order} DESC LIMIT 1;
        IF NOT FOUND OR NOT ({" AND ".join(conditions)}) THEN
            {_refuse("% changes only with a new row of % (append-only)", _literal(mine), _literal(self.table))}
        END IF;
    END IF;"""


@dataclass(frozen=True)
class Guarded:
    """Which columns of a permanent row may still change, and how; every other column is fixed at insertion."""

    stamps: tuple[str, ...] = ()  # NULL to a value, once (a confirmation, a cancellation, a closing)
    clears: tuple[str, ...] = ()  # a value to NULL, once (simple_history's SET_NULL when a user is deleted)
    follows: tuple[Follows, ...] = ()
    function: str = ""  # the guard function's name; the table's own by default, shared by the audit tables

    def mutable(self) -> list[str]:
        return [*self.stamps, *self.clears, *(col for rule in self.follows for col in rule.columns)]

    def function_name(self, table: str) -> str:
        return self.function or f"{table}_guard"

    def function_body(self) -> str:
        """The guard function's body, as PostgreSQL keeps it (pg_proc.prosrc), so a test can compare."""
        mutable = "ARRAY[" + ", ".join(_literal(col) for col in self.mutable()) + "]::text[]"
        lines = [
            "DECLARE",
            "    latest record;",
            "BEGIN",
            "    IF TG_OP <> 'UPDATE' THEN",
            f"        {_refuse('% refused (append-only; a correction is a new row)', 'TG_OP')}",
            "    END IF;",
            f"    IF (to_jsonb(NEW) - {mutable}) IS DISTINCT FROM (to_jsonb(OLD) - {mutable}) THEN",
            f"        {_refuse('UPDATE refused: only % may change', _literal(', '.join(self.mutable()) or 'nothing'))}",
            "    END IF;",
        ]
        for col in self.stamps:
            lines += [
                f"    IF OLD.{col} IS NOT NULL AND NEW.{col} IS DISTINCT FROM OLD.{col} THEN",
                f"        {_refuse('% is set once and then kept', _literal(col))}",
                "    END IF;",
            ]
        for col in self.clears:
            lines += [
                f"    IF NEW.{col} IS NOT NULL AND NEW.{col} IS DISTINCT FROM OLD.{col} THEN",
                f"        {_refuse('% may only be cleared', _literal(col))}",
                "    END IF;",
            ]
        body = "\n" + "\n".join(lines) + "".join(rule.check_sql() for rule in self.follows)
        return body + "\n    RETURN NEW;\nEND;\n"

    def function_sql(self, table: str) -> str:
        name = self.function_name(table)
        return f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $${self.function_body()}$$ LANGUAGE plpgsql;"
