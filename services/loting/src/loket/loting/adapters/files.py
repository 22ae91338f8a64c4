"""Files as the `loting` command reads and writes them."""

import os
import tempfile
from pathlib import Path


def read(path: Path) -> bytes:
    return path.read_bytes()


def write_atomically(path: Path, data: bytes) -> None:
    """Write the whole file or nothing: a reader never sees half a result."""
    directory = path.parent if str(path.parent) else Path()
    with tempfile.NamedTemporaryFile(dir=directory, prefix=f".{path.name}.", delete=False) as tmp:
        tmp.write(data)
    os.replace(tmp.name, path)
