"""The import use case: one file, one transaction, idempotent by natural key, one event per changed entity."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, select

from services.registry.adapters.tables import AuditRecord, Mentee, Mentor, Municipality, Organization, new_id
from services.registry.events import mentee_event, mentor_event, organization_event
from services.registry.importer import ImportResult, import_file
from services.registry.records import MenteeRecord, MentorRecord, OrganizationRecord, RowError
from services.registry.service import WRITERS, record_audit
from shared.auth import Principal, Role
from shared.db import UnitOfWork
from shared.dictionaries import guess_organization_kind, normalize
from shared.errors import ValidationFailed
from shared.events import CloudEvent, utcnow

PERSON_DEFAULTS: dict[str, Any] = {
    "status": "active", "version": 1, "consent_processing": True, "trained": False, "trained_on": None,
    "honours": None, "experience_years": None, "email": None,
}


@dataclass
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0


@dataclass
class RegionIndex:
    """Municipalities, organizations and people of one region, loaded once per import."""

    region_id: str
    municipalities: dict[str, Municipality] = field(default_factory=dict)
    organizations: dict[str, Organization] = field(default_factory=dict)
    people: dict[tuple[str, str], Any] = field(default_factory=dict)
    mentors_by_name: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, region_id: str, model: type | None) -> RegionIndex:
        index = cls(region_id)
        for muni in session.exec(select(Municipality).where(Municipality.region_id == region_id)):
            index.municipalities[muni.normalized_name] = muni
        for org in session.exec(select(Organization).where(Organization.region_id == region_id)):
            index.organizations[org.normalized_name] = org
        if model is not None:
            for person in session.exec(select(model).where(model.region_id == region_id)):
                index.people[(person.organization_id, person.normalized_name)] = person
        for mentor_id, name in session.exec(select(Mentor.id, Mentor.normalized_name).where(
                Mentor.region_id == region_id, Mentor.status == "active")):
            index.mentors_by_name.setdefault(name, []).append(mentor_id)
        return index


def mentor_fields(record: MentorRecord) -> dict[str, Any]:
    low, high = record.mentee_experience or (None, None)
    return {
        "full_name": record.full_name, "subjects": list(record.subjects), "stages": list(record.stages),
        "directions": list(record.directions), "mentee_categories": list(record.mentee_kinds),
        "mentee_experience_min": low, "mentee_experience_max": high,
        "mentee_qualification": record.mentee_qualification, "qualification_category": record.qualification or "none",
        "experience_years": record.experience_years, "email": record.email, "page_url": record.page_url,
        "capacity": record.capacity, "formats": list(record.formats) or ["in_person"],
        "consent_publication": record.consent_to_publication,
    }


def mentee_fields(record: MenteeRecord, index: RegionIndex) -> dict[str, Any]:
    preferred = [ids[0] for name in record.preferred_mentors if len(ids := index.mentors_by_name.get(normalize(name),
                                                                                                       [])) == 1]
    category = record.category or "young_specialist"
    return {
        "full_name": record.full_name, "subject": record.subjects[0] if record.subjects else None,
        "extra_subjects": list(record.subjects[1:]), "stage": record.stages[0] if record.stages else None,
        "experience_years": record.experience_years, "category": category, "is_student": category == "student",
        "directions": list(record.directions), "deficits": "; ".join(record.deficits) or None,
        "formats": list(record.formats) or ["in_person"],
        "preferred_mentor_name": "; ".join(record.preferred_mentors) or None, "preferred_mentor_ids": preferred,
    }


def organization_fields(record: OrganizationRecord) -> dict[str, Any]:
    return {
        "name": record.name, "kind": record.kind or guess_organization_kind(record.name) or "school",
        "teachers": record.teachers or 0, "young_specialists": record.young_specialists or 0,
        "students": record.students or 0, "mentoring_page_url": record.page_url, "has_curator": bool(record.curator),
    }


class Importer:
    """Applies the valid rows of a parsed file to the registry inside the caller's unit of work."""

    def __init__(self, uow: UnitOfWork, principal: Principal, region_id: str, kind: str) -> None:
        self.uow, self.principal, self.kind = uow, principal, kind
        model = {"mentors": Mentor, "mentees": Mentee}.get(kind)
        self.index = RegionIndex.load(uow.session, region_id, model)
        self.counts = ImportCounts()
        self.events: list[CloudEvent] = []
        self.touched_orgs: dict[str, Organization] = {}
        self._new_rows: dict[type, list[dict[str, Any]]] = {}
        self._audits: list[dict[str, Any]] = []

    def scope_error(self, row: int, municipality: str, organization: str) -> RowError | None:
        """Rows outside the caller's scope are errors; unknown places may be created only by operators above.

        An existing school is matched by name across the region, so its own municipality decides, not the
        district written in the row.
        """
        muni = self.index.municipalities.get(normalize(municipality))
        org = self.index.organizations.get(normalize(organization))
        p = self.principal
        if p.role is Role.ADMIN or (p.role is Role.REGION_OPERATOR and self.index.region_id == p.scope_id):
            return None
        if (p.role is Role.MUNICIPAL_OPERATOR and muni is not None and muni.id == p.scope_id
                and (org is None or org.municipality_id == p.scope_id)):
            return None
        if p.role is Role.SCHOOL_CURATOR and org is not None and org.id == p.scope_id:
            return None
        return RowError(row, "ОО", organization, "Организация вне вашей зоны ответственности", "out_of_scope")

    def municipality(self, name: str) -> Municipality:
        key = normalize(name)
        muni = self.index.municipalities.get(key)
        if muni is None:
            muni = Municipality(region_id=self.index.region_id, name=" ".join(name.split()), normalized_name=key)
            self.uow.session.add(muni)
            self.index.municipalities[key] = muni
        return muni

    def organization(self, municipality: str, name: str, kind: str | None) -> Organization:
        key = normalize(name)
        org = self.index.organizations.get(key)
        if org is None:
            muni = self.municipality(municipality)
            org = Organization(region_id=self.index.region_id, municipality_id=muni.id, name=" ".join(name.split()),
                               normalized_name=key, kind=kind or guess_organization_kind(name) or "school",
                               updated_by=self.principal.actor)
            self.uow.session.add(org)
            self.uow.session.flush()  # the rows that reference it are inserted later in this flush order
            self.index.organizations[key] = org
            self.touched_orgs[org.id] = org
            record_audit(self.uow.session, self.principal, "organization", org.id, "created", {"import": True})
        return org

    def apply_organization(self, record: OrganizationRecord) -> None:
        fields = organization_fields(record)
        existing = self.index.organizations.get(normalize(record.name))
        if existing is None:
            org = self.organization(record.municipality, record.name, fields["kind"])
            self._set(org, fields)
            self.counts.created += 1
            return
        self._update(existing, fields, "organization", lambda row: self.touched_orgs.__setitem__(row.id, row))

    def apply_person(self, record: MentorRecord | MenteeRecord) -> None:
        org = self.organization(record.municipality, record.organization, record.organization_kind)
        is_mentor = isinstance(record, MentorRecord)
        fields = mentor_fields(record) if is_mentor else mentee_fields(record, self.index)
        model, event = (Mentor, mentor_event) if is_mentor else (Mentee, mentee_event)
        key = (org.id, normalize(record.full_name))
        existing = self.index.people.get(key)
        if existing is None:
            now = utcnow()
            defaults = {k: v for k, v in PERSON_DEFAULTS.items() if k in model.__table__.c}
            row = {**defaults, **fields, "id": new_id(), "region_id": org.region_id,
                   "municipality_id": org.municipality_id, "organization_id": org.id, "normalized_name": key[1],
                   "created_by": self.principal.actor, "updated_by": self.principal.actor, "created_at": now,
                   "updated_at": now}
            self._new_rows.setdefault(model, []).append(row)
            self.index.people[key] = row
            self.counts.created += 1
            self._audits.append(self._audit(model.__name__.lower(), row["id"], "created", {"import": True}))
            self.events.append(event(SimpleNamespace(**row), "registered"))
            return
        self._update(existing, fields, model.__name__.lower(), lambda row: self.events.append(event(row, "updated")))

    def _set(self, row: Any, fields: dict[str, Any]) -> None:
        for name, value in fields.items():
            setattr(row, name, value)

    def _audit(self, entity: str, entity_id: str, action: str, changes: dict[str, Any]) -> dict[str, Any]:
        return {"at": utcnow(), "actor": self.principal.actor, "entity": entity, "entity_id": entity_id,
                "action": action, "changes": json.dumps(changes, ensure_ascii=False, default=str)}

    def _update(self, row: Any, fields: dict[str, Any], entity: str, on_change: Any) -> None:
        diff = {name: [getattr(row, name), value] for name, value in fields.items() if getattr(row, name) != value}
        if not diff:
            self.counts.unchanged += 1
            return
        self._set(row, fields)
        if "full_name" in diff or "name" in diff:
            row.normalized_name = normalize(fields.get("full_name") or fields.get("name"))
        row.version += 1
        row.updated_at, row.updated_by = utcnow(), self.principal.actor
        if getattr(row, "status", "active") == "withdrawn":
            row.status = "active"
        self._audits.append(self._audit(entity, row.id, "updated", diff))
        self.counts.updated += 1
        on_change(row)

    def run(self, records: Iterable[Any]) -> None:
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
        names = {m.id: m for m in self.index.municipalities.values()}
        org_events = [organization_event(org, names[org.municipality_id]) for org in self.touched_orgs.values()]
        self.uow.publish(*org_events, *self.events)


def run_import(uow: UnitOfWork, principal: Principal, *, kind: str, data: bytes, filename: str,
               content_type: str | None, dry_run: bool, on_error: str, region_id: str) -> dict[str, Any]:
    """Parse, check scope, and apply; `abort` writes nothing when any row is invalid."""
    principal.require(*WRITERS)
    result: ImportResult = import_file(data, filename, content_type, kind)  # type: ignore[arg-type]
    importer = Importer(uow, principal, region_id, kind)
    errors = list(result.errors)
    accepted = []
    for imported in result.records:
        record = imported.record
        organization = record.name if isinstance(record, OrganizationRecord) else record.organization
        problem = importer.scope_error(imported.row, record.municipality, organization)
        if problem:
            errors.append(problem)
        else:
            accepted.append(record)
    errors.sort(key=lambda e: (e.row, e.column))
    report: dict[str, Any] = {"kind": kind, "dry_run": dry_run, "rows": result.rows, "valid": len(accepted),
                              "created": 0, "updated": 0, "unchanged": 0, "skipped": 0,
                              "errors": [e.as_dict() for e in errors]}
    if errors and on_error == "abort":
        raise ValidationFailed(f"В файле ошибок: {len(errors)}; ничего не записано. Исправьте строки или загрузите "
                               "с on_error=skip, чтобы записать верные строки.", **report)
    importer.run(accepted)
    report.update(created=importer.counts.created, updated=importer.counts.updated,
                  unchanged=importer.counts.unchanged, skipped=result.rows - len(accepted))
    if dry_run:
        uow.rollback()
    else:
        uow.commit()
    return report
