from loket.contracts.runtime.migrations import run_migrations
from loket.loting.persistence.models import metadata

run_migrations(metadata)
