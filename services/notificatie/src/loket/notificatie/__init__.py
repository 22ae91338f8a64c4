"""notificatie: e-mail, letters and PDFs, and whether they arrived."""
