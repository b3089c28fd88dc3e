"""E-mail notices over SMTP (``MEDLENS_SMTP_*`` settings; off while no host is set).

A message only says that there is something new and where to log in: never a result, a label, a note,
an image or a case number. Sending never breaks a request: it runs after the response (a background
task) and every failure is logged (with the user id, not the address) and swallowed.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from fastapi import BackgroundTasks

from medlens.config import Settings
from medlens.web.i18n import translate

log = logging.getLogger(__name__)

KINDS = ("reply", "overdue", "reminder")  # the events that send a message (the notice kinds)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    user_id: int | None = None  # who it is for, for the log (never the address)


def compose(kind: str, to: str, lang: str, public_url: str = "", user_id: int | None = None) -> Mail:
    """The message of one event in ``lang``: a subject and a body with no health detail at all."""
    if kind not in KINDS:
        raise ValueError(f"unknown notice kind {kind!r}; one of {', '.join(KINDS)}")
    where = f"{public_url.rstrip('/')}/notices" if public_url else translate(lang, "mail.where_app")
    body = "\n\n".join(
        (
            translate(lang, f"mail.{kind}.body"),
            translate(lang, "mail.login", url=where),
            translate(lang, "mail.footer"),
        )
    )
    return Mail(to=to, subject=translate(lang, f"mail.{kind}.subject"), body=body + "\n", user_id=user_id)


class Mailer:
    """Sends :class:`Mail` through one SMTP server; ``enabled`` is False without a host."""

    def __init__(
        self,
        host: str = "",
        port: int = 587,
        sender: str = "medlens <no-reply@localhost>",
        starttls: bool = True,
        user: str = "",
        password: str = "",
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host.strip(), port, sender
        self.starttls, self.user, self.password, self.timeout = starttls, user, password, timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> Mailer:
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_from,
            settings.smtp_starttls,
            settings.smtp_user,
            settings.smtp_password.get_secret_value(),
            settings.smtp_timeout,
        )

    @property
    def enabled(self) -> bool:
        return bool(self.host)

    def message(self, mail: Mail) -> EmailMessage:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, mail.to, mail.subject
        msg["Message-ID"] = make_msgid(domain="medlens")
        msg.set_content(mail.body)
        return msg

    def send(self, mail: Mail) -> bool:
        """Deliver one message; False (logged) on any failure, and when e-mail is off."""
        if not self.enabled:
            return False
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(self.message(mail))
        except (smtplib.SMTPException, OSError, ValueError) as exc:
            # the exception's text can hold the recipient's address (SMTPRecipientsRefused): type and code only
            code = getattr(exc, "smtp_code", None) or getattr(exc, "errno", None)
            log.warning(
                "e-mail notice for user #%s not sent: %s (code %s)", mail.user_id, type(exc).__name__, code
            )
            return False
        log.info("e-mail notice sent to user #%s", mail.user_id)
        return True

    def send_all(self, mails: list[Mail]) -> int:
        """Send each message (one failure does not stop the rest); how many were sent."""
        return sum(self.send(m) for m in mails)


def send_later(background: BackgroundTasks, mailer: Mailer | None, mails: list[Mail]) -> None:
    """Send ``mails`` after the response (nothing when e-mail is off)."""
    if mailer is not None and mailer.enabled and mails:
        background.add_task(mailer.send_all, mails)
