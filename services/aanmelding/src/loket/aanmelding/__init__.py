"""aanmelding: procedures per region, preference lists, priority claims, school decisions and rounds."""
