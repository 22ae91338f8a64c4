from loket.contracts.runtime.migrations import run_migrations
from loket.dossier.persistence.models import metadata

run_migrations(metadata)
