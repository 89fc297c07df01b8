"""The answer a teacher gets by e-mail when a curator decides their application from the public bank (the page
that took it promised one): selected into the bank, the request accepted (and the pair proposed), or declined with
the reason. Sent the way the digests go (SMTP, or the local mailbox shown on «Почта»)."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from services.console.reminders.delivery import mailer_for
from services.console.reminders.mail import mail_templates, new_message
from shared.config import Settings

SUBJECTS = {"selected": "Вы включены в банк наставников", "accepted": "Ваша просьба о наставнике принята",
            "declined": "Ответ на вашу заявку"}


def compose_answer(settings: Settings, application: dict[str, Any], *, pair_proposed: bool = False) -> EmailMessage:
    """The answer to the application as the registry returned it after the decision."""
    school = application["organization_name"]
    values = {"name": application["full_name"], "status": application["status"], "kind": application["kind"],
              "school": school, "mentor": application.get("mentor_name") or "", "pair_proposed": pair_proposed,
              "published": application.get("consent_publication"), "reason": application.get("decline_reason"),
              "bank_url": settings.registry_url.rstrip("/") + "/bank"}
    message = new_message(settings, application["email"], SUBJECTS[application["status"]], "auto-replied")
    message.set_content(mail_templates().get_template("answer.txt").render(values), cte="quoted-printable")
    return message


def send_answer(settings: Settings, application: dict[str, Any], *, pair_proposed: bool = False) -> str | None:
    """Send the answer; None when it went, else why not (the decision stands either way)."""
    try:
        mailer_for(settings).send(compose_answer(settings, application, pair_proposed=pair_proposed))
    except OSError as exc:
        return (f"письмо заявителю не отправлено ({exc.__class__.__name__}); сообщите ответ сами: "
                f"{application['email']}")
    return None
