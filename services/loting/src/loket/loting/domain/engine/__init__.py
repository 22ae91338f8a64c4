"""The lottery engine: a pure function from a market file to a result file (`docs/loting.md`).

No I/O, no clock, no framework: the service, the CLI and any third party run these same functions.
"""

from loket.loting.domain.engine.market import InvalidMarket, Market, load_market
from loket.loting.domain.engine.mechanisms import Outcome, solve
from loket.loting.domain.engine.result import canonical, result_bytes, result_document
from loket.loting.domain.engine.tiebreak import draw_seed

__all__ = [
    "InvalidMarket",
    "Market",
    "Outcome",
    "canonical",
    "draw_seed",
    "load_market",
    "result_bytes",
    "result_document",
    "solve",
]
