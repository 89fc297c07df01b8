"""The facts of a day, read from the services' HTTP APIs with a service token (the console never reads their
tables): from matching, active, completed and proposed pairs, the pairs needing attention on that day, and the
half-year reports of the pairs that owe one; from the registry, the applications from the public bank that wait
for a curator's decision."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from services.console.client import ServiceClient
from services.console.domain.reminders import Fact, application_facts, half_year_before, owes_report, pair_facts
from shared.config import Settings

SUBJECT = "console:reminders"
REPORTED = ("submitted", "accepted")  # a returned report is still owed


class ServiceFacts:
    """Facts through the services' APIs, as an administrator (every scope) named `console:reminders`."""

    def __init__(self, settings: Settings, http: httpx.Client) -> None:
        self.settings = settings
        self.api = ServiceClient(settings, http, role="admin", scope=None, subject=SUBJECT)

    def facts(self, today: date) -> list[Fact]:
        working = [*self.api.pairs(state="active"), *self.api.pairs(state="completed")]
        proposed = list(self.api.pairs(state="proposed"))
        attention = self.api.get("matching", "/api/v1/pairs/attention", on=today.isoformat())["items"]
        half = half_year_before(today)
        timezone = self.settings.console_timezone
        reported = {pair["id"]: self._reported(pair["id"]) for pair in working if owes_report(pair, half, timezone)}
        waiting = self.api.every("registry", "/api/v1/applications", status="new")
        return [*application_facts(waiting, timezone),
                *pair_facts(today, timezone, working=working, proposed=proposed, attention=attention,
                            reported=reported)]

    def _reported(self, pair_id: str) -> set[str]:
        detail: dict[str, Any] = self.api.pair(pair_id)
        return {report["period"] for report in detail.get("reports") or [] if report["status"] in REPORTED}
