import smtplib

from django.core.mail import EmailMultiAlternatives, get_connection

from .base import OutgoingMessage, SendError


class MailBackend:
    """Email through Django's configured email backend, one connection for a whole batch."""

    def __init__(self, *, from_email: str | None):
        self.from_email = from_email
        self.connection = get_connection(fail_silently=False)

    def open(self) -> None:
        try:
            self.connection.open()
        except (OSError, smtplib.SMTPException) as exc:
            raise SendError(f"Cannot reach the mail server: {exc}") from None

    def send(self, message: OutgoingMessage) -> str:
        message_id = f"<{message.reference}@atrium>"
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body,
            from_email=self.from_email,
            to=[message.to],
            headers={"Message-ID": message_id, **message.headers},
            connection=self.connection,
        )
        if message.html is not None:
            email.attach_alternative(message.html, "text/html")
        try:
            sent = self.connection.send_messages([email])
        except (OSError, smtplib.SMTPException) as exc:
            raise SendError(f"The mail server refused the message: {exc}") from None
        if not sent:
            raise SendError("The mail server accepted no recipient.")
        return message_id

    def close(self) -> None:
        self.connection.close()
