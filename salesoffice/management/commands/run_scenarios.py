"""Replay scenario files (docs/scenarios.md) on a throwaway test database and report every expectation."""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from salesoffice import scenarios


class Command(BaseCommand):
    help = (
        "Replay scenario files (folders are searched for *.yaml) through the apps' services on a throwaway "
        "test database, print PASS/FAIL per expectation, and exit non-zero on any failure."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or folders")
        parser.add_argument("--failures", action="store_true", help="print only failures and the summary")

    def handle(self, *args, paths: list[str], failures: bool = False, **options):
        try:
            files = scenarios.collect(paths)
        except scenarios.ScenarioError as exc:
            raise CommandError(str(exc)) from exc
        if not files:
            raise CommandError(f"no *.yaml scenario files in {' '.join(paths)}")
        verbosity = options["verbosity"]

        def echo(line: scenarios.Line) -> None:
            if failures and line.status in ("PASS", "XFAIL"):
                return
            style = {"PASS": self.style.SUCCESS, "XFAIL": self.style.WARNING}.get(line.status, self.style.ERROR)
            self.stdout.write(style(str(line)))

        old_name = self._create_test_db(verbosity)
        try:
            reports = []
            for path in files:
                report = scenarios.run_file(path, label=scenarios.display_path(path), echo=echo)
                if report.detail and verbosity > 1:
                    self.stderr.write(report.detail)
                reports.append(report)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=max(verbosity - 1, 0), keepdb=False)

        failed = [r for r in reports if not r.passed]
        checks = sum(len(r.lines) for r in reports)
        bad = sum(len(r.failures) for r in reports)
        summary = f"{len(files)} scenario file(s), {checks} check(s): {bad} failed in {len(failed)} file(s)"
        known = [r for r in reports if r.expected_failures]
        if known:
            summary += f"; {len(known)} file(s) fail as they expect (expected_failure)"
        if failed:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))

    def _create_test_db(self, verbosity: int) -> str:
        """A fresh database made as Django's test runner makes one (migrations included), never the real data.

        On a server its name carries this process's id, so a test run using the same database server at the same
        time keeps its own test database."""
        if connection.vendor != "sqlite":
            test = connection.settings_dict.setdefault("TEST", {})
            test["NAME"] = f"test_{connection.settings_dict['NAME']}_scenarios_{os.getpid()}"
        return connection.creation.create_test_db(
            verbosity=max(verbosity - 1, 0), autoclobber=True, serialize=False, keepdb=False
        )
