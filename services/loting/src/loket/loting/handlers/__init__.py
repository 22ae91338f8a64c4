"""What loting does with the events it receives: aanmelding's request for a ceremony
(`on_ceremony_requested`), and its own run events coming back from the bus, each kept for the
proces-verbaal (`on_run_published`), the commitment opening the run for its seed
(`on_commitment_published`) and the seed running it (`on_run_seeded`). The inbox makes a redelivered
event change nothing; a completed run never runs again, whatever arrives."""

from loket.contracts.events import (
    LotteryCeremonyRequested,
    RunCommitted,
    RunCompleted,
    RunFailed,
    RunRequested,
    RunRetried,
    RunSeeded,
)
from loket.contracts.inbox import Consumer
from loket.loting.handlers import on_ceremony_requested, on_commitment_published, on_run_published, on_run_seeded


def register(consumer: Consumer) -> None:
    consumer.on(LotteryCeremonyRequested)(on_ceremony_requested.open_run)
    consumer.on(RunRequested)(on_run_published.keep)
    consumer.on(RunCommitted)(on_commitment_published.open_for_the_seed)
    consumer.on(RunSeeded)(on_run_seeded.execute)
    consumer.on(RunRetried)(on_run_seeded.execute)
    consumer.on(RunCompleted)(on_run_published.keep)
    consumer.on(RunFailed)(on_run_published.keep)
