import copy
import smtplib
import uuid

from django.core.mail import EmailMultiAlternatives, get_connection

from . import mime
from .base import OutgoingMessage, SendError


class CampaignEmail(EmailMultiAlternatives):
    """A campaign's email, turned into bytes from a skeleton per shape (`mime`), not by the email
    package for each message; what the skeleton does not cover goes through Django.

    A boundary of our own for the multipart message: left unset, the email package makes a
    random one and compiles a regular expression to check the body does not contain it. A
    random 128-bit boundary cannot turn up in a body by accident."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.boundary = f"{mime.BOUNDARY_PREFIX}{uuid.uuid4().hex}"

    def message(self):
        text = mime.render(self)
        return self.django_message() if text is None else mime.RenderedMessage(text)

    def django_message(self):
        """The message as Django builds it (MIME objects)."""
        return super().message()

    def _create_alternatives(self, msg):
        msg = super()._create_alternatives(msg)
        if msg.is_multipart():
            msg.set_boundary(self.boundary)
        return msg

    def __deepcopy__(self, memo):
        """The locmem backend keeps a deep copy of every message. Its values are strings (and
        tuples of them), so new lists and a new dict make a copy that shares nothing mutable;
        attachments or a connection take the full copy."""
        copied = copy.copy(self)
        if self.attachments or self.connection is not None:
            copied.__dict__ = copy.deepcopy(self.__dict__, memo)
            return copied
        for name in ("to", "cc", "bcc", "reply_to", "alternatives"):
            setattr(copied, name, list(getattr(self, name)))
        copied.extra_headers = dict(self.extra_headers)
        copied.attachments = []
        return copied


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
