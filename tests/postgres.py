"""The one way tests and benchmarks empty a PostgreSQL database (never the cluster itself)."""

from __future__ import annotations

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine


async def reset_postgres(url: str, *, create_missing: bool = False) -> None:
    """Drop everything in the database at `url` so it starts from an empty public schema.

    With `create_missing`, the database is first created when it does not exist (benchmarks
    use a database of their own).
    """
    if create_missing:
        target = make_url(url)
        admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        async with admin.connect() as connection:
            exists = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not exists:
                await connection.execute(text(f'CREATE DATABASE "{target.database}"'))
        await admin.dispose()
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
