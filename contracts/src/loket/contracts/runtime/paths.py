"""Path parameters every service shares, checked before a route uses them: a value that does not fit is a
422 saying what and where (`loc: ["path", "brin"]`), as FastAPI says it of any bad parameter, and never
reaches a query, a log line or a header.

Ids are typed `UUID` in each route; a school is `Brin`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

# A school's location: the four-character BRIN (two digits, two letters, as `stdnum.nl.brin` checks it)
# with its two-digit vestiging, in capitals, as every service stores it.
BRIN_PATTERN = r"^[0-9]{2}[A-Z]{2}[0-9]{2}$"

Brin = Annotated[
    str,
    Path(
        pattern=BRIN_PATTERN,
        description="The school: its BRIN number with its two-digit location (vestiging), e.g. 12AB01.",
        examples=["12AB01"],
    ),
]
