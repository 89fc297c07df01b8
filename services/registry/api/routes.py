"""The token-protected registry API under /api/v1, assembled from the routes of each resource."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint

from services.registry.adapters.person_kinds import MENTEES, MENTORS
from services.registry.api import applications, audit, exports, imports, organizations, overview, people
from services.registry.api.schemas.mentees import MenteeIn, MenteeList, MenteeOut, MenteePatch
from services.registry.api.schemas.mentors import MentorIn, MentorList, MentorOut, MentorPatch
from services.registry.api.tags import PROBLEMS, mentees_tag, mentors_tag
from shared.web import SECURITY


def build_api() -> APIBlueprint:
    """Organizations, the area at a glance, mentors, mentees, applications from the public bank, then imports,
    exports and the audit log (the order of OpenAPI)."""
    api = APIBlueprint("registry_api", __name__, url_prefix="/api/v1", abp_security=SECURITY,
                       abp_responses=PROBLEMS)
    organizations.register(api)
    overview.register(api)
    people.register(api, MENTORS, "mentors", MentorIn, MentorPatch, MentorOut, MentorList, mentors_tag)
    people.register(api, MENTEES, "mentees", MenteeIn, MenteePatch, MenteeOut, MenteeList, mentees_tag)
    applications.register(api)
    imports.register(api)
    exports.register(api)
    audit.register(api)
    return api
