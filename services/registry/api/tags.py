"""OpenAPI tags and the problem responses every protected route declares."""

from __future__ import annotations

from flask_openapi3 import Tag

from shared.web import Problem

PROBLEMS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}
organizations_tag = Tag(name="Организации", description="Образовательные организации и районы")
mentors_tag = Tag(name="Наставники", description="Банк наставников")
mentees_tag = Tag(name="Наставляемые", description="База наставляемых")
misc_tag = Tag(name="Справочники и журнал")
bank_tag = Tag(name="Банк наставников (публичный)", description="Без токена: только согласившиеся на публикацию")
