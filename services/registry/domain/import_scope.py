"""Which rows of an imported file a caller may load: those inside their scope.

Operators above a school may also create the municipalities and organizations a file names for the first
time; a school curator only loads rows of their own, existing, school.
"""

from __future__ import annotations

from shared.auth import Principal, Role


def may_import_row(principal: Principal, *, region_id: str, municipality_id: str | None,
                   organization_id: str | None, organization_municipality_id: str | None) -> bool:
    """Whether the caller may load a row into `region_id`.

    `municipality_id` is the known municipality the row names (None when new); `organization_id` and
    `organization_municipality_id` locate the known organization it names (None when new). An existing school
    is matched by name across the region, so its own municipality must be the operator's too.
    """
    role, scope_id = principal.role, principal.scope_id
    if role is Role.ADMIN or (role is Role.REGION_OPERATOR and region_id == scope_id):
        return True
    if role is Role.MUNICIPAL_OPERATOR:
        return (municipality_id is not None and municipality_id == scope_id
                and (organization_id is None or organization_municipality_id == scope_id))
    return role is Role.SCHOOL_CURATOR and organization_id is not None and organization_id == scope_id
