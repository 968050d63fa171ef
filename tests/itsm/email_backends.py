"""Email backends that misbehave on purpose, for the notification delivery tests."""

import smtplib
import threading

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemEmailBackend


class FailingEmailBackend(BaseEmailBackend):
    """The mail server drops the connection on every message (a temporary failure)."""

    calls = 0

    def send_messages(self, email_messages):
        type(self).calls += 1
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class RefusingEmailBackend(BaseEmailBackend):
    """The mail server refuses the recipient for good (550)."""

    def send_messages(self, email_messages):
        recipients = {
            address: (550, b"5.1.1 No such user") for m in email_messages for address in m.to
        }
        raise smtplib.SMTPRecipientsRefused(recipients)


class BlockingEmailBackend(LocmemEmailBackend):
    """Delivers to mail.outbox, but only once the test releases it (to hold a send open)."""

    entered = threading.Event()
    release = threading.Event()

    @classmethod
    def reset(cls):
        cls.entered = threading.Event()
        cls.release = threading.Event()

    def send_messages(self, messages):
        type(self).entered.set()
        if not type(self).release.wait(timeout=20):
            raise TimeoutError("the test never released the blocked send")
        return super().send_messages(messages)
