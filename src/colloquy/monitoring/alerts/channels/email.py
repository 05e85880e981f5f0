"""Email over SMTP with the standard library; STARTTLS and login when configured."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from colloquy.monitoring.alerts.channels.base import Channel, ChannelError, Notification


class EmailChannel(Channel):
    def __init__(
        self,
        name: str,
        *,
        host: str,
        port: int,
        sender: str,
        recipients: tuple[str, ...],
        starttls: bool,
        username: str | None,
        password: str | None,
        timeout: float,
    ) -> None:
        super().__init__(name)
        self.host = host
        self.port = port
        self.sender = sender
        self.recipients = recipients
        self.starttls = starttls
        self.username = username
        self.password = password
        self.timeout = timeout

    def send(self, notification: Notification) -> None:
        message = EmailMessage()
        message["Subject"] = notification.subject
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message.set_content(notification.text)
        where = f"SMTP server {self.host}:{self.port}"
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username is not None:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except smtplib.SMTPException as exc:
            raise ChannelError(f"{where} refused the message: {exc}") from None
        except TimeoutError:
            raise ChannelError(f"{where} did not answer within {self.timeout:g} s") from None
        except OSError as exc:
            raise ChannelError(f"{where} unreachable: {exc}") from None
