"""Letters as PDFs: placement letters (one template per school), proofs of registration, control
documents and lottery proces-verbaals, printed with WeasyPrint from Jinja2 templates in `templates/`."""
