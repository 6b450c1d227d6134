"""Which theme model this worker uses, and how the community's examples refit it.

At start a worker fits the model of the latest *accepted* refit decision (`ThemeModelRun`): the
corpus's fitting split plus the community's examples up to that decision (none at first).
Fitting is deterministic, so every worker holds the same model.

`refresh` (every `PASSERELLE_THEME_REFRESH_SECONDS`, and on demand) looks at the examples
(`ThemeExample`: needs whose theme an animator corrected, needs of pairs closed with a good fit
rating). For a set of examples not decided yet, it fits a candidate in a thread, measures it on
the corpus's guard split (never fitted) and records the decision: the candidate replaces the
model in use only if it is not worse there (`matching.themes.accept_refit`: at most one guard
sentence fewer right). The decision is unique per set of examples
(unique fingerprint in the database): whichever worker takes it first, the others follow it.
Listeners (the matching index, the training cache) hear when the model changes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import anyio
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from matching.features import Featurizer
from matching.lexical import LexicalEncoder, fit_lexical
from matching.scoring import MatchConfig
from matching.taxonomy import Example, corpus_fingerprint
from matching.themes import ThemeModel, accept_refit, fit_default_model, guard_accuracy
from service.db.models import ThemeExample, ThemeModelRun

logger = logging.getLogger("passerelle.themes")

Listener = Callable[["ModelState"], Awaitable[None] | None]


@dataclass(frozen=True, slots=True)
class ModelState:
    """The model a worker uses: its version, the featurizer built on it, its guard accuracy."""

    version: str
    run_id: int | None
    featurizer: Featurizer
    guard_accuracy: float
    examples: int

    @property
    def model(self) -> ThemeModel:
        """The fitted theme model."""
        return self.featurizer.model


@dataclass(frozen=True, slots=True)
class RefitDecision:
    """The outcome of a refit: accepted or not, and the guard accuracies compared."""

    run_id: int
    examples: int
    guard_accuracy: float
    reference_accuracy: float
    accepted: bool


@lru_cache(maxsize=1)
def _lexical() -> LexicalEncoder:
    return fit_lexical()


@lru_cache(maxsize=8)
def _fitted(examples: tuple[Example, ...]) -> tuple[ThemeModel, float]:
    """The model for these community examples and its guard accuracy (deterministic)."""
    model = fit_default_model(examples)
    return model, guard_accuracy(model)


class ThemeKeeper:
    """This worker's theme model and the decisions on refitting it."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        config: MatchConfig,
        refresh_seconds: float = 60.0,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._config = config
        self._refresh_seconds = refresh_seconds
        self._listeners: list[Listener] = []
        self._lock = asyncio.Lock()
        self._evaluated: str | None = None
        self._task: asyncio.Task[None] | None = None
        self.state: ModelState | None = None
        self.last_decision: RefitDecision | None = None

    def on_change(self, listener: Listener) -> None:
        """Call `listener(state)` whenever the model in use changes."""
        self._listeners.append(listener)

    @property
    def current(self) -> ModelState:
        """The model in use (after `start`)."""
        if self.state is None:
            raise RuntimeError("ThemeKeeper.start() has not run")
        return self.state

    async def start(self) -> ModelState:
        """Fit the model of the latest accepted decision; start the periodic refresh."""
        async with self._sessionmaker() as session:
            run = await session.scalar(
                select(ThemeModelRun)
                .where(ThemeModelRun.accepted.is_(True))
                .order_by(ThemeModelRun.id.desc())
                .limit(1)
            )
            examples = await _examples(session, None if run is None else run.examples_until)
        self.state = await self._state_for(examples if run else (), run)
        if self._refresh_seconds > 0:
            self._task = asyncio.get_running_loop().create_task(self._poll())
        return self.state

    async def close(self) -> None:
        """Stop the periodic refresh."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_seconds)
            try:
                await self.refresh()
            except Exception:  # a failed refresh must not stop the next ones
                logger.exception("theme model refresh failed")

    async def refresh(self, force: bool = False) -> RefitDecision | None:
        """Decide on the current community examples (once per set); swap the model if accepted."""
        async with self._lock:
            async with self._sessionmaker() as session:
                examples = await _examples(session, None)
            fingerprint = corpus_fingerprint(examples)
            if fingerprint == self._evaluated and not force:
                return None
            if not examples:
                self._evaluated = fingerprint
                return None
            decision, run = await self._decide(examples, fingerprint)
            self._evaluated = fingerprint
            self.last_decision = decision
            if decision.accepted and run.id != self.current.run_id:
                self.state = await self._state_for(examples, run)
                await self._notify()
            return decision

    async def _decide(
        self, examples: tuple[Example, ...], fingerprint: str
    ) -> tuple[RefitDecision, ThemeModelRun]:
        async with self._sessionmaker() as session:
            run = await _run(session, fingerprint)
        if run is None:
            _, accuracy = await anyio.to_thread.run_sync(_fitted, examples)
            reference = self.current.guard_accuracy
            run = ThemeModelRun(
                fingerprint=fingerprint,
                examples_until=await self._until(),
                examples=len(examples),
                guard_accuracy=accuracy,
                reference_accuracy=reference,
                accepted=accept_refit(accuracy, reference),
            )
            try:
                async with self._sessionmaker() as session, session.begin():
                    session.add(run)
            except IntegrityError:  # another worker decided first: follow its decision
                async with self._sessionmaker() as session:
                    found = await _run(session, fingerprint)
                assert found is not None
                run = found
            logger.info(
                "theme model refit on %d examples: guard %.3f vs %.3f, %s",
                len(examples),
                run.guard_accuracy,
                run.reference_accuracy,
                "accepted" if run.accepted else "rejected",
            )
        decision = RefitDecision(
            run.id, run.examples, run.guard_accuracy, run.reference_accuracy, run.accepted
        )
        return decision, run

    async def _until(self) -> int:
        async with self._sessionmaker() as session:
            found = await session.scalar(select(ThemeExample.id).order_by(ThemeExample.id.desc()))
        return int(found or 0)

    async def _state_for(
        self, examples: Sequence[Example], run: ThemeModelRun | None
    ) -> ModelState:
        model, accuracy = await anyio.to_thread.run_sync(_fitted, tuple(examples))
        featurizer = Featurizer(
            model, _lexical(), self._config.theme_weight, self._config.top_themes
        )
        version = "corpus" if run is None else f"refit-{run.id}"
        return ModelState(
            version, None if run is None else run.id, featurizer, accuracy, len(examples)
        )

    async def _notify(self) -> None:
        for listener in self._listeners:
            result = listener(self.current)
            if result is not None:
                await result


async def _examples(session: AsyncSession, until: int | None) -> tuple[Example, ...]:
    query = select(ThemeExample).order_by(ThemeExample.id)
    if until is not None:
        query = query.where(ThemeExample.id <= until)
    return tuple(
        Example(text=row.text, theme=row.theme, source=row.source)
        for row in await session.scalars(query)
    )


async def _run(session: AsyncSession, fingerprint: str) -> ThemeModelRun | None:
    return await session.scalar(
        select(ThemeModelRun).where(ThemeModelRun.fingerprint == fingerprint)
    )
