"""Applying the valid records of an imported file to the registry, in bulk, inside the import's transaction.

A record matches an existing row by its natural key (a person by organization and normalized name, an
organization by name across the region): a match is updated when a field differs, and comes back from
withdrawn; otherwise the row is created, with the municipality and the organization it names when new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert

from services.registry.adapters.audit_log import audit_values, record_audit
from services.registry.adapters.events import mentee_event, mentor_event, organization_event
from services.registry.adapters.region_index import RegionIndex
from services.registry.adapters.tables import AuditRecord, Mentee, Mentor, Municipality, Organization, new_id
from services.registry.domain.changes import apply_changes, bump_version
from services.registry.domain.import_fields import mentee_fields, mentor_fields, organization_fields, organization_kind
from services.registry.domain.import_scope import may_import_row
from services.registry.domain.personal_data import consent_changed
from services.registry.importing.records import MenteeRecord, MentorRecord, OrganizationRecord, Record, RowError
from shared.auth import Principal
from shared.config import Settings
from shared.db import UnitOfWork
from shared.dictionaries import normalize
from shared.events import CloudEvent, utcnow

PERSON_DEFAULTS: dict[str, Any] = {  # a bulk insert skips the model's defaults
    "status": "active", "version": 1, "consent_processing": True, "trained": False, "trained_on": None,
    "honours": None, "experience_years": None, "email": None, "qualification_category": None,
}


@dataclass
class ImportCounts:
    """How many records were created, updated and found unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


class Importer:
    """Applies the valid records of a parsed file to the registry inside the caller's unit of work."""

    def __init__(self, uow: UnitOfWork, settings: Settings, principal: Principal, region_id: str, kind: str) -> None:
        self.uow, self.settings, self.principal = uow, settings, principal
        self.index = RegionIndex.load(uow.session, region_id, {"mentors": Mentor, "mentees": Mentee}.get(kind))
        self.counts = ImportCounts()
        self.events: list[CloudEvent] = []
        self.touched_orgs: dict[str, Organization] = {}
        self._new_rows: dict[type, list[dict[str, Any]]] = {}
        self._audits: list[dict[str, Any]] = []

    def scope_error(self, row: int, municipality: str, organization: str) -> RowError | None:
        """The error of a row outside the caller's scope (`domain.import_scope`), or None."""
        muni = self.index.municipalities.get(normalize(municipality))
        org = self.index.organizations.get(normalize(organization))
        if may_import_row(self.principal, region_id=self.index.region_id, municipality_id=muni.id if muni else None,
                          organization_id=org.id if org else None,
                          organization_municipality_id=org.municipality_id if org else None):
            return None
        return RowError(row, "ОО", organization, "Организация вне вашей зоны ответственности", "out_of_scope")

    def municipality(self, name: str) -> Municipality:
        """The municipality of this name in the region, added to the session when new."""
        key = normalize(name)
        muni = self.index.municipalities.get(key)
        if muni is None:
            muni = Municipality(region_id=self.index.region_id, name=" ".join(name.split()), normalized_name=key)
            self.uow.session.add(muni)
            self.index.municipalities[key] = muni
        return muni

    def organization(self, municipality: str, name: str, kind: str | None) -> Organization:
        """The organization of this name in the region, created (with an audit record) when new."""
        key = normalize(name)
        org = self.index.organizations.get(key)
        if org is None:
            muni = self.municipality(municipality)
            org = Organization(region_id=self.index.region_id, municipality_id=muni.id, name=" ".join(name.split()),
                               normalized_name=key, kind=organization_kind(name, kind),
                               updated_by=self.principal.actor)
            self.uow.session.add(org)
            self.uow.session.flush()  # the rows that reference it are inserted later in this flush order
            self.index.organizations[key] = org
            self.touched_orgs[org.id] = org
            record_audit(self.uow.session, self.principal, "organization", org.id, "created", {"import": True})
        return org

    def apply_organization(self, record: OrganizationRecord) -> None:
        """Create the organization (and its municipality) or update the one of that name."""
        fields = organization_fields(record)
        existing = self.index.organizations.get(normalize(record.name))
        if existing is None:
            org = self.organization(record.municipality, record.name, fields["kind"])
            for name, value in fields.items():
                setattr(org, name, value)
            self.counts.created += 1
            return
        self._update(existing, fields, "organization", lambda row: self.touched_orgs.__setitem__(row.id, row))

    def apply_person(self, record: MentorRecord | MenteeRecord) -> None:
        """Queue a new mentor or mentee for the bulk insert, or update the one of that name in its organization."""
        org = self.organization(record.municipality, record.organization, record.organization_kind)
        if isinstance(record, MentorRecord):
            model, event, fields = Mentor, mentor_event, mentor_fields(record)
        else:
            model, event, fields = Mentee, mentee_event, mentee_fields(record, self.index.mentors_by_name)
        entity, key = model.__name__.lower(), (org.id, normalize(record.full_name))
        existing = self.index.people.get(key)
        if existing is not None and _get(existing, "erased_at") is not None:
            self.counts.unchanged += 1  # erased is final: a file (an export after the erasure) cannot revive it
            return
        self._consent(existing, fields)
        if existing is not None:
            self._update(existing, fields, entity, lambda row: self.events.append(event(self.settings, row, "updated")))
            return
        now = utcnow()
        defaults = {k: v for k, v in PERSON_DEFAULTS.items() if k in model.__table__.c}
        row = {**defaults, **fields, "id": new_id(), "region_id": org.region_id, "municipality_id": org.municipality_id,
               "organization_id": org.id, "normalized_name": key[1], "created_by": self.principal.actor,
               "updated_by": self.principal.actor, "created_at": now, "updated_at": now}
        self._new_rows.setdefault(model, []).append(row)
        self.index.people[key] = row
        self.counts.created += 1
        self._audits.append(audit_values(self.principal, entity, row["id"], "created", {"import": True}))
        self.events.append(event(self.settings, SimpleNamespace(**row), "registered"))

    def _consent(self, existing: Any, fields: dict[str, Any]) -> None:
        """Consent to processing with its day: a file without the column consents a new person on the import's
        day (the importing operator vouches for it, as before the day was kept); «да» without a day keeps the day
        already stored, else takes the import's; no consent keeps no day."""
        today = utcnow().date()
        if "consent_processing" not in fields:
            if existing is None:
                fields["consent_processing"], fields["consent_processing_on"] = True, today
            return
        current = (False, None) if existing is None else (bool(_get(existing, "consent_processing")),
                                                          _get(existing, "consent_processing_on"))
        changes = {"consent_processing": fields["consent_processing"]}
        if fields["consent_processing_on"] is not None:
            changes["consent_processing_on"] = fields["consent_processing_on"]
        fields.update(consent_changed(current, changes, today))

    def _update(self, row: Any, fields: dict[str, Any], entity: str, on_change: Callable[[Any], None]) -> None:
        """Update a matched row when a field differs; then a withdrawn one comes back active."""
        diff = apply_changes(row, fields)
        if not diff:
            self.counts.unchanged += 1
            return
        bump_version(row, self.principal.actor)
        if getattr(row, "status", "active") == "withdrawn":
            row.status = "active"
        self._audits.append(audit_values(self.principal, entity, row.id, "updated", diff))
        self.counts.updated += 1
        on_change(row)

    def run(self, records: Iterable[Record]) -> None:
        """Apply every record, then write new people and audit rows in bulk and queue the events."""
        for record in records:
            if isinstance(record, OrganizationRecord):
                self.apply_organization(record)
            else:
                self.apply_person(record)
        session = self.uow.session
        session.flush()
        for model, rows in self._new_rows.items():
            session.execute(insert(model.__table__), rows)
        if self._audits:
            session.execute(insert(AuditRecord.__table__), self._audits)
        places = {m.id: m for m in self.index.municipalities.values()}
        org_events = [organization_event(self.settings, org, places[org.municipality_id])
                      for org in self.touched_orgs.values()]
        self.uow.publish(*org_events, *self.events)


def _get(row: Any, name: str) -> Any:
    """A column of a stored row or of a row queued in this import (a dict)."""
    return row.get(name) if isinstance(row, dict) else getattr(row, name)
