"""Alembic migrations of the govkit schema; run with ``govkit db upgrade``."""
