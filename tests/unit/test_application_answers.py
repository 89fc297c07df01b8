"""The answer mailed to a teacher when a curator decides their application: what each decision says, in Russian."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from services.console.reminders.answer import compose_answer, send_answer
from shared.config import Settings

APPLICATION = {"full_name": "Кузнецова Татьяна Викторовна", "kind": "nomination", "status": "selected",
               "organization_name": "МБОУ СОШ № 9", "mentor_name": None, "consent_publication": True,
               "decline_reason": None, "email": "t.k@school9.test"}


def text(settings: Settings, application: dict, **options: bool) -> tuple[str, str]:
    message = message_from_bytes(compose_answer(settings, application, **options).as_bytes(), policy=policy.default)
    assert message["To"] == application["email"] and message["Auto-Submitted"] == "auto-replied"
    return message["Subject"], message.get_content()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(var_dir=tmp_path, registry_url="http://bank.example:8001")


def test_a_selected_candidate_is_told_where_they_are_published_or_why_not(settings):
    subject, body = text(settings, APPLICATION)
    assert subject == "Вы включены в банк наставников"
    assert "Здравствуйте, Кузнецова Татьяна Викторовна!" in body and "http://bank.example:8001/bank" in body
    _, unpublished = text(settings, {**APPLICATION, "consent_publication": False})
    assert "не публикуетесь: согласия на публикацию в заявке не было" in unpublished


def test_an_accepted_request_names_the_mentor_and_whether_the_pair_is_proposed(settings):
    request = {**APPLICATION, "kind": "request", "status": "accepted", "mentor_name": "Сергеева Ольга Николаевна"}
    assert "Предложена пара: наставник Сергеева Ольга Николаевна" in text(settings, request, pair_proposed=True)[1]
    assert "будет предложена в ближайшее время" in text(settings, request, pair_proposed=False)[1]


def test_a_decline_carries_its_reason(settings):
    declined = {**APPLICATION, "kind": "request", "status": "declined", "decline_reason": "наставник занят до мая"}
    subject, body = text(settings, declined)
    assert subject == "Ответ на вашу заявку"
    assert "Вашу просьбу о наставнике рассмотрел куратор" in body and "Причина: наставник занят до мая" in body


def test_an_unreachable_mail_server_is_reported_not_raised(settings):
    broken = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": 9})
    problem = send_answer(broken, APPLICATION)
    assert problem is not None and problem.startswith("письмо заявителю не отправлено")
    assert "t.k@school9.test" in problem
    assert send_answer(settings, APPLICATION) is None  # the local mailbox
    assert len(list((settings.var_dir / "mail" / "new").iterdir())) == 1
