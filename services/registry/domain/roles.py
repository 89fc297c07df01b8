"""Which roles may read and write the registry (the scope of each record is checked where it is used)."""

from __future__ import annotations

from shared.auth import Role

WRITERS: tuple[Role, ...] = (Role.REGION_OPERATOR, Role.MUNICIPAL_OPERATOR, Role.SCHOOL_CURATOR)
"""Edit mentors, mentees and organizations, and import files (the admin always may)."""

READERS: tuple[Role, ...] = (*WRITERS, Role.INTEGRATOR)
"""List, read and export the records inside their scope."""

ORGANIZATION_MANAGERS: tuple[Role, ...] = (Role.REGION_OPERATOR, Role.MUNICIPAL_OPERATOR)
"""Add and withdraw organizations."""

ERASERS: tuple[Role, ...] = (Role.REGION_OPERATOR, Role.MUNICIPAL_OPERATOR)
"""Erase a person's data on their request (irreversible: operators of the region or district, and the admin)."""
