from loket.aanmelding.persistence.models import metadata
from loket.contracts.runtime.migrations import run_migrations

run_migrations(metadata)
