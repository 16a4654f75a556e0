"""Supervision (电子监察): deadline cards, completion rates, ratings and complaints dashboards."""
