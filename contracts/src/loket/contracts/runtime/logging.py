"""Logging to stderr: JSON lines (python-json-logger) with the trail of the request or event that caused
them, or plain text for a person at a terminal (`make up`); secrets and query strings kept out.

Every line names the service, its level and logger; a line written while a request or an event is
handled also carries its `correlation_id` (the chain one parent's click starts across the services),
and for an event its `event`, `event_id` and `causation_id`: `bound(...)` puts them in a context
variable that the HTTP middleware (`CorrelationId`) and the inbox (`Consumer.receive`) set. No
personal field is ever bound, only ids.

Activation, invitation and reset links carry a token in their path, and a query string may carry
anything; uvicorn's access log would write both down.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Literal
from uuid import UUID, uuid4

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LogFormat = Literal["json", "text"]

SECRET_PATH = re.compile(r"(/(?:activate|invitation|reset)/)[A-Za-z0-9_\-]+")
QUERY = re.compile(r"\?[^\s\"]+")  # a URL's query string; a question mark alone stays
# aiosqlite logs every statement with its parameters at DEBUG: password hashes, TOTP secrets among them
QUIET_BELOW_INFO = ("aiosqlite",)
TRAIL = ("correlation_id", "event", "event_id", "causation_id", "trace_id")

_trail: ContextVar[Mapping[str, str]] = ContextVar("loket_log_trail", default=MappingProxyType({}))


@contextmanager
def bound(**fields: object) -> Iterator[None]:
    """Within the block every log line carries these fields (ids only, never personal data)."""
    token = _trail.set({**_trail.get(), **{name: str(value) for name, value in fields.items() if value is not None}})
    try:
        yield
    finally:
        _trail.reset(token)


def bound_correlation_id() -> UUID | None:
    """The correlation id of the request being handled, for the events its unit of work raises."""
    found = _trail.get().get("correlation_id")
    return UUID(found) if found else None


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                _redact(arg) if isinstance(arg, str) else arg
                for arg in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        if isinstance(record.msg, str):
            record.msg = _redact(record.msg)
        return True


def _redact(text: str) -> str:
    return QUERY.sub("?…", SECRET_PATH.sub(r"\1…", text))


class AddTrail(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        for name, value in _trail.get().items():  # python-json-logger writes every attribute set
            setattr(record, name, value)
        span = trace.get_current_span().get_span_context()
        if span.is_valid:  # traced (runtime/tracing.py): the line is found from the trace, and back
            record.trace_id, record.span_id = format(span.trace_id, "032x"), format(span.span_id, "016x")
        return True


class TextWithTrail(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = " ".join(f"{name}={value}" for name in TRAIL if (value := getattr(record, name, None)))
        return f"{line} [{ids}]" if ids else line


def json_lines() -> JsonFormatter:
    """A JSON line per record: its level, service, logger and message, and every field bound or passed
    in `extra` (which is why a test of what may not be logged formats the records with it)."""
    return JsonFormatter(
        "%(levelname)s %(service)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
    )


def configure_logging(service: str = "loket", level: str | None = None, form: LogFormat | None = None) -> None:
    """`level` and `form` from the service's settings (`LOKET_LOG_LEVEL`, `LOKET_LOG_FORMAT`); a command
    without settings reads the same variables."""
    form = form or ("text" if os.environ.get("LOKET_LOG_FORMAT") == "text" else "json")
    handler = logging.StreamHandler()
    if form == "json":
        handler.setFormatter(json_lines())
    else:
        handler.setFormatter(TextWithTrail("%(asctime)s %(levelname)-7s %(service)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    handler.addFilter(AddTrail(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel((level or os.environ.get("LOKET_LOG_LEVEL") or "INFO").upper())
    for name in QUIET_BELOW_INFO:
        logging.getLogger(name).setLevel(max(root.level, logging.INFO))


class CorrelationId:
    """Each request starts (or, with a valid `X-Correlation-ID`, continues) a chain: the id is bound for
    the request's log lines and its events, and sent back in the answer's `X-Correlation-ID`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = _given(Headers(scope=scope).get("x-correlation-id", "")) or uuid4()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                MutableHeaders(scope=message).append("X-Correlation-ID", str(correlation_id))
            await send(message)

        with bound(correlation_id=correlation_id):
            await self.app(scope, receive, send_with_id)


def _given(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None
