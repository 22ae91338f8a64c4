"""What dossier uses of the outside that is not its database or the bus: sealing BSNs, PDFs, files."""
