"""dossier: schools, groups, pupils, the education report (OKI-doc), advice and test results."""
