"""Outgoing email. Without WOODSHED_SMTP_URL, development prints each message to the
console (so a reset link can be followed locally); production only logs that it could not
send. Tests point WOODSHED_SMTP_URL at a real SMTP server on loopback."""

from __future__ import annotations

import logging
import smtplib
import ssl
import sys
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlparse

from flask import current_app, render_template

log = logging.getLogger(__name__)


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class MailError(RuntimeError):
    """The SMTP server refused or could not be reached."""


def render_mail(to: str, subject: str, template: str, **context) -> Mail:
    """Build a message from `templates/mail/<template>.txt` and `.html`."""
    text = render_template(f"mail/{template}.txt", subject=subject, **context)
    html = render_template(f"mail/{template}.html", subject=subject, **context)
    return Mail(to=to, subject=subject, text=text, html=html)


def _to_message(mail: Mail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="woodshed.local")
    for k, v in mail.headers.items():
        msg[k] = v
    msg.set_content(mail.text)
    if mail.html:
        msg.add_alternative(mail.html, subtype="html")
    return msg


def check(mail: Mail) -> None:
    """Build the message without sending it: raises ValueError when a header is not one
    line (the worker checks before it commits anything of a delivery)."""
    _to_message(mail, current_app.config["MAIL_FROM"])


def send(mail: Mail) -> None:
    """Deliver one message now; raises MailError when SMTP fails."""
    config = current_app.config
    msg = _to_message(mail, config["MAIL_FROM"])
    url = config.get("SMTP_URL")
    if not url:
        if config.get("PRODUCTION"):
            log.error("No WOODSHED_SMTP_URL: a message to %s was not sent.", mail.to)
            return
        print(
            f"\n----- email (development: not sent) -----\n{msg.as_string()}\n-----\n",
            file=sys.stderr,
            flush=True,
        )
        return
    _send_smtp(url, msg)


def _send_smtp(url: str, msg: EmailMessage) -> None:
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    host = parsed.hostname or "localhost"
    timeout = float(query.get("timeout", ["10"])[0])
    try:
        if parsed.scheme == "smtps":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                host, parsed.port or 465, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            conn = smtplib.SMTP(host, parsed.port or 25, timeout=timeout)
        with conn:
            if query.get("starttls", ["0"])[0] in {"1", "true", "yes"}:
                conn.starttls(context=ssl.create_default_context())
            if parsed.username:
                conn.login(unquote(parsed.username), unquote(parsed.password or ""))
            conn.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"SMTP delivery to {msg['To']} failed: {exc}") from exc
