"""Alembic environment: runs on the connection that memoryhole.store.db hands over (no alembic.ini needed)."""

from alembic import context

from memoryhole.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # `alembic` command line: build an engine from the configured URL
    from alembic.util import CommandError
    from sqlalchemy import create_engine

    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:  # create_engine(None) would only say "Expected string or URL object, got None"
        raise CommandError("set sqlalchemy.url (the database URL) in the alembic configuration")
    engine = create_engine(url)
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
