from loket.contracts.runtime.migrations import run_migrations
from loket.identity.persistence.models import metadata

run_migrations(metadata)
