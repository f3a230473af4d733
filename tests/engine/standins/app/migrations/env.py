"""Alembic's environment for the stand-in: the database is DATABASE_URL (or its _FILE)."""
import os

from alembic import context
from sqlalchemy import create_engine


def database_url():
    path = os.environ.get("DATABASE_URL_FILE")
    if path:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    return os.environ["DATABASE_URL"]


engine = create_engine(database_url())
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
