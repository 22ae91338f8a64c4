"""Wires loting: settings, runtime (database, broker, outbox, inbox), event handlers, routes."""

from fastapi import FastAPI

from loket.contracts.runtime.auth import token_verifier
from loket.contracts.runtime.metrics import messages_waiting
from loket.contracts.runtime.service import Runtime
from loket.loting import handlers
from loket.loting.adapters.simulation.queue import CHUNKS_QUEUE
from loket.loting.http.runs import runs_router
from loket.loting.persistence.models import metadata
from loket.loting.persistence.repository import Runs
from loket.loting.settings import LotingSettings


def build(settings: LotingSettings | None = None) -> tuple[Runtime, FastAPI]:
    settings = settings or LotingSettings()
    runtime = Runtime("loting", settings, metadata)
    handlers.register(runtime.consumer)
    app = runtime.http_app(
        title="Loket loting",
        description="Lottery and matching runs, and simulations; the lottery ceremony with its proces-verbaal.",
        routers=[runs_router(runtime.work, token_verifier(settings))],
    )
    measure(runtime)
    return runtime, app


def measure(runtime: Runtime) -> None:
    async def runs() -> dict[tuple[str, ...], float]:
        async with runtime.work() as uow:
            return {(state.value,): count for state, count in (await Runs(uow.session).count_by_state()).items()}

    async def chunks_waiting() -> int:
        return await messages_waiting(runtime.settings.broker_url, CHUNKS_QUEUE)

    runtime.metrics.gauge("loket_lottery_runs", "Lottery runs by state of their ceremony.", runs, labels=["state"])
    runtime.metrics.gauge("loket_simulation_chunks_waiting", "Simulation chunks waiting for a worker.", chunks_waiting)
