"""Unit of work: one session and one transaction per command, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from inventory_cli import crashpoints
from inventory_cli.storage.engine import begin_mode, translate_db_error
from inventory_cli.storage.plainsql import AlchemySql
from inventory_cli.storage.repositories import (
    CheckRepository,
    KitRepository,
    PartRepository,
    SetRepository,
    TypeRepository,
)
from inventory_cli.storage.stock_repositories import BoxRepository, KitContentRepository, StockRepository


class UnitOfWork:
    """A session whose changes are written only by ``commit()``; reads can skip the write lock."""

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._mode = begin_mode("DEFERRED" if read_only else "IMMEDIATE")
        self.session: Session
        self.types: TypeRepository
        self.parts: PartRepository
        self.kits: KitRepository
        self.sets: SetRepository
        self.checks: CheckRepository
        self.boxes: BoxRepository
        self.stock: StockRepository
        self.contents: KitContentRepository

    def __enter__(self) -> Self:
        self._mode.__enter__()
        self.session = Session(self._engine, expire_on_commit=False, autoflush=True)
        self.types = TypeRepository(self.session)
        self.parts = PartRepository(self.session)
        self.kits = KitRepository(self.session)
        self.sets = SetRepository(self.session)
        self.checks = CheckRepository(self.session)
        self.boxes = BoxRepository(self.session)
        self.stock = StockRepository(self.session)
        self.contents = KitContentRepository(self.session)
        return self

    def sql(self) -> AlchemySql:
        """This unit of work's transaction as portable SQL, for the lookups the light path shares."""
        return AlchemySql(self.session.connection())

    def commit(self) -> None:
        """Write everything done in this unit of work."""
        crashpoints.reached("before-commit")
        self.session.commit()
        crashpoints.reached("after-commit")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            # close() rolls back whatever was not committed and, unlike rollback(),
            # keeps loaded attributes readable on the returned objects.
            self.session.close()
        except DBAPIError:
            pass  # the connection is gone; the error that got us here says why
        finally:
            self._mode.__exit__(None, None, None)
        if isinstance(exc, DBAPIError):
            translated = translate_db_error(exc, str(self._engine.url))
            if translated is not None:
                raise translated from exc
