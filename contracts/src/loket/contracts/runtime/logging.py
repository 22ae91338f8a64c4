"""Plain logging to stderr, with secrets kept out of the log.

Activation, invitation and reset links carry a token in their path; uvicorn's access log would
write it down.
"""

from __future__ import annotations

import logging
import os
import re

SECRET_PATH = re.compile(r"(/(?:activate|invitation|reset)/)[A-Za-z0-9_\-]+")
# aiosqlite logs every statement with its parameters at DEBUG: password hashes, TOTP secrets among them
QUIET_BELOW_INFO = ("aiosqlite",)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                SECRET_PATH.sub(r"\1…", arg) if isinstance(arg, str) else arg
                for arg in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        if isinstance(record.msg, str):
            record.msg = SECRET_PATH.sub(r"\1…", record.msg)
        return True


def configure_logging() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(os.environ.get("LOKET_LOG_LEVEL", "INFO"))
    for name in QUIET_BELOW_INFO:
        logging.getLogger(name).setLevel(max(root.level, logging.INFO))
