"""A real SMTP server for the mail tests: aiosmtpd on loopback, recording what it receives."""

import asyncio
import email
import socket
import threading
from email import policy

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """Keeps every accepted message. `refuse` maps an address to the answer its RCPT gets
    (a list of answers is used up one per attempt, then accepted); `delay` slows DATA."""

    def __init__(self, delay=0.0):
        self.received = []  # (recipients, bytes)
        self.senders = []  # the envelope sender (MAIL FROM) of each
        self.refuse = {}
        self.delay = delay
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.refuse.get(address)
        if isinstance(answer, list):
            answer = answer.pop(0) if answer else None
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
            self.senders.append(envelope.mail_from)
        return "250 Message accepted for delivery"

    def messages(self):
        with self.lock:
            return [(rcpts, email.message_from_bytes(data, policy=policy.default)) for rcpts, data in self.received]

    def recipients(self):
        with self.lock:
            return [r for rcpts, _data in self.received for r in rcpts]


class SMTPServer:
    def __init__(self, handler=None):
        self.handler = handler or Recorder()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message):
    return message.get_body(preferencelist=("html",)).get_content()
