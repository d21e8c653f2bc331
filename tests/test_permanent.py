"""Permanent means permanent (issue 16): every permanent model is declared in one place (salesoffice.permanent), and
on PostgreSQL its table refuses UPDATE, DELETE and TRUNCATE by trigger, so neither the admin, a queryset, raw SQL
nor a stray TRUNCATE rewrites it. The audit history is permanent too: deleting a user only clears who made it."""

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from commission.models import Deal, StatementMonth
from salesoffice import permanent
from salesoffice.apps import _permanent_records_protected
from salesoffice.management.commands.flush import _may_empty_permanent_tables
from salesoffice.models import AppendOnlyModel, PermanentModel, Site
from vip.models import PrivacyLog

pytestmark = pytest.mark.django_db

PERMANENT = permanent.permanent_models()
TABLES = sorted(model._meta.db_table for model in PERMANENT)
ROOT = Path(__file__).resolve().parent.parent


def test_the_registry_holds_every_kind_of_permanent_model():
    assert PERMANENT[Deal] is Deal.permanence and PERMANENT[StatementMonth] is StatementMonth.permanence
    assert PERMANENT[PrivacyLog] is None  # append-only
    assert PERMANENT[Site.history.model] is permanent.HISTORY
    assert all(issubclass(model, AppendOnlyModel) for model, guarded in PERMANENT.items() if guarded is None)


def test_every_permanent_table_refuses_update_delete_and_truncate_in_the_database():
    assert permanent.protection_problems(connection) == []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, bit_or(t.tgtype) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' GROUP BY c.relname
            """
        )
        events = dict(cursor.fetchall())
    # tgtype bits: 8 DELETE, 16 UPDATE, 32 TRUNCATE
    assert {table for table in TABLES if events.get(table, 0) & (8 | 16 | 32) != 8 | 16 | 32} == set()


def _problems_after(*statements: str) -> list[str]:
    """The problems the check reports with `statements` run, undone afterwards (DDL is transactional here)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        problems = permanent.protection_problems(connection)
        transaction.set_rollback(True)
    return problems


def test_a_missing_trigger_a_stale_guard_or_an_undeclared_one_is_caught():
    assert _problems_after("DROP TRIGGER commission_statementmonth_no_truncate ON commission_statementmonth") == [
        "commission_statementmonth: no trigger refuses TRUNCATE"
    ]
    assert _problems_after("DROP TRIGGER vip_privacylog_append_only ON vip_privacylog") == [
        "vip_privacylog: no trigger refuses UPDATE (salesoffice_refuse_change)",
        "vip_privacylog: no trigger refuses DELETE (salesoffice_refuse_change)",
    ]
    assert _problems_after("ALTER TABLE commission_deal DISABLE TRIGGER commission_deal_guarded") == [
        "commission_deal: no trigger refuses UPDATE (commission_deal_guard)",
        "commission_deal: no trigger refuses DELETE (commission_deal_guard)",
    ]
    # The deal's guard as if its declaration had changed with no migration to follow.
    stale = permanent.Guarded(stamps=("confirmed_at",)).function_sql("commission_deal")
    assert _problems_after(stale) == [
        "commission_deal: commission_deal_guard is not what the model declares (a migration is missing)"
    ]
    # A table the database protects but no model declares permanent (its declaration lost).
    assert _problems_after(
        "CREATE TRIGGER vip_reward_append_only BEFORE UPDATE OR DELETE ON vip_reward "
        "FOR EACH ROW EXECUTE FUNCTION salesoffice_refuse_change()"
    ) == ["vip_reward: protected in the database but declared by no model"]


def test_the_database_check_warns_of_a_missing_trigger():
    assert _permanent_records_protected(None, databases=["default"]) == []
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER vip_purchase_no_truncate ON vip_purchase")
        warnings = _permanent_records_protected(None, databases=["default"])
        transaction.set_rollback(True)
    assert [(w.id, w.msg) for w in warnings] == [("salesoffice.W016", "vip_purchase: no trigger refuses TRUNCATE")]


def test_a_model_that_calls_itself_permanent_is_declared_permanent():
    said = {
        model
        for model in apps.get_models()
        if any(word in (model.__doc__ or "").lower() for word in ("permanent", "append-only"))
    }
    assert said and said <= set(PERMANENT)
    # A guarded declaration anywhere but on a permanent model would protect nothing.
    assert all(issubclass(m, PermanentModel) for m in apps.get_models() if getattr(m, "permanence", None))


# The migrations written before salesoffice.permanent pasted their own trigger SQL; 0007_permanent_records made every
# one of those triggers again from the one place. They are history: no migration may join this list.
HISTORIC_TRIGGER_SQL = {
    "commission/migrations/0002_splits_ledger_statement_months.py",
    "commission/migrations/0004_deal_checks_confirmation_cancellation.py",
    "reception/migrations/0005_instigation_finding.py",
    "salesoffice/migrations/0003_append_only_triggers.py",
    "salesoffice/migrations/0006_register_permissions_and_append_only.py",
    "service_desk/migrations/0002_permanent_records_and_fixed_owner.py",
    "service_desk/migrations/0003_complaint_callbacks.py",
    "vip/migrations/0002_append_only_triggers.py",
}


def test_trigger_sql_is_written_only_by_salesoffice_permanent():
    writing = {
        str(path.relative_to(ROOT))
        for app in apps.get_app_configs()
        if Path(app.path).parent == ROOT  # the project's own apps
        for path in Path(app.path).glob("migrations/*.py")
        if "CREATE TRIGGER" in path.read_text().upper()
    }
    assert writing == HISTORIC_TRIGGER_SQL


def test_every_permanent_model_is_protected_by_the_migrations_with_its_declaration():
    """What the migrations install (the last AppendOnly or GuardedUpdates of each table, in migration order) is what
    each model declares, so a database built from the migrations alone protects every permanent model."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    installed: dict[str, permanent.Guarded | None] = {}
    for app_label, name in _migration_order(loader):
        for operation in loader.graph.nodes[(app_label, name)].operations:
            if isinstance(operation, permanent.AppendOnly):
                installed[operation.table] = None
            elif isinstance(operation, permanent.GuardedUpdates):
                installed[operation.table] = operation.guarded
    declared = {model._meta.db_table: guarded for model, guarded in PERMANENT.items()}
    assert {table: installed.get(table, "unprotected") for table in declared} == declared
    assert set(installed) == set(declared)


def _migration_order(loader: MigrationLoader) -> list[tuple[str, str]]:
    plan: list[tuple[str, str]] = []
    for leaf in sorted(loader.graph.leaf_nodes()):
        plan += [node for node in loader.graph.forwards_plan(leaf) if node not in plan]
    return plan


@pytest.mark.parametrize("table", TABLES)
def test_truncate_is_refused_on_every_permanent_table(table):
    # CASCADE, so a table other tables point at reaches its trigger; its own trigger fires first.
    _refused(f"TRUNCATE {table} CASCADE", [], f"permanent table {table}: TRUNCATE refused")


def test_a_maintenance_session_may_truncate_only_once_it_says_so():
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                permanent.allow_truncate(cursor)
                cursor.execute("TRUNCATE vip_privacylog")
                transaction.set_rollback(True)
        finally:
            permanent.forbid_truncate(cursor)
        with pytest.raises(IntegrityError, match="TRUNCATE refused"), transaction.atomic():
            cursor.execute("TRUNCATE vip_privacylog")


def test_flush_empties_permanent_tables_only_on_a_test_or_debug_database(settings):
    settings.DEBUG = False
    assert _may_empty_permanent_tables(connection)  # test_so_...
    assert not _may_empty_permanent_tables(SimpleNamespace(settings_dict={"NAME": "salesoffice"}))
    settings.DEBUG = True
    assert _may_empty_permanent_tables(SimpleNamespace(settings_dict={"NAME": "salesoffice"}))


# --- a row of each kind, by raw SQL ---------------------------------------------------------------------------


def _refused(sql: str, params: list, match: str = "permanent table") -> None:
    with pytest.raises(IntegrityError, match=match), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_append_only_row_refuses_raw_update_and_delete(site):
    user = get_user_model().objects.create_user("auditor")
    entry = PrivacyLog.objects.create(store=site, user=user, action=PrivacyLog.Action.EXPORT, at=timezone.now())
    _refused("UPDATE vip_privacylog SET detail = 'nothing' WHERE id = %s", [entry.pk], "append-only")
    _refused("DELETE FROM vip_privacylog WHERE id = %s", [entry.pk], "append-only")
    assert PrivacyLog.objects.filter(pk=entry.pk, detail="").exists()


def test_the_audit_history_is_kept_and_a_deleted_user_only_leaves_it_unsigned(site):
    editor = get_user_model().objects.create_user("editor")
    site.name, site._history_user = "Riverside East", editor
    site.save()
    row = site.history.get(history_user=editor)
    _refused("UPDATE salesoffice_historicalsite SET name = 'Hillside' WHERE history_id = %s", [row.pk])
    _refused("DELETE FROM salesoffice_historicalsite WHERE history_id = %s", [row.pk])
    other = get_user_model().objects.create_user("other")
    _refused(
        "UPDATE salesoffice_historicalsite SET history_user_id = %s WHERE history_id = %s",
        [other.pk, row.pk],
        "history_user_id",
    )
    editor.delete()  # simple_history's SET_NULL: the change stays, unsigned
    row.refresh_from_db()
    assert (row.name, row.history_user_id) == ("Riverside East", None)
