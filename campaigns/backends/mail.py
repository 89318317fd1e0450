import smtplib
import uuid

from django.core.mail import EmailMultiAlternatives, get_connection

from .base import OutgoingMessage, SendError


class CampaignEmail(EmailMultiAlternatives):
    """A boundary of our own for the multipart message: left unset, the email package makes a
    random one and compiles a regular expression to check the body does not contain it — a
    third of the cost of turning a campaign email into bytes (~160 µs). A random 128-bit
    boundary cannot turn up in a body by accident."""

    def _create_alternatives(self, msg):
        msg = super()._create_alternatives(msg)
        if msg.is_multipart():
            msg.set_boundary(f"=_atrium_{uuid.uuid4().hex}")
        return msg


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
        email = CampaignEmail(
            subject=message.subject,
            body=message.body,
            from_email=self.from_email,
            to=[message.to],
            headers={"Message-ID": message_id, **message.headers},
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
