"""User Markdown rendered once, when it is saved: the model mixin and bringing old rows up to date.

A model lists its Markdown columns in ``__markdown__`` and declares, beside each column ``x``,
``x_html`` (`StoredHTML`) and ``x_text``. Setting ``x`` — in a constructor or later, whichever
service does it — renders it through `dpse.content.render` and fills both, so every write path
stores the result and no page, feed or indexer renders Markdown again. ``render_version`` says
which pipeline produced a row; `rerender_stale` redoes the rows an older pipeline produced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, ClassVar

from markupsafe import Markup
from sqlalchemy import Text, event, func, inspect, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from dpse.content import PIPELINE_VERSION, render
from dpse.extensions import db

RERENDER_BATCH = 200


class StoredHTML(TypeDecorator[str]):
    """The sanitiser's output, stored; read back as Markup, so templates embed it unescaped.

    Only `RenderedMarkdown` writes these columns, and only with `dpse.content.render`'s output.
    """

    impl = Text
    cache_ok = True

    def process_result_value(self, value: str | None, dialect: Dialect) -> Markup:
        return Markup(value or "")  # noqa: S704 (written only by the sanitising pipeline)


class RenderedMarkdown:
    """Markdown columns rendered once, when set (see the module docstring)."""

    __markdown__: ClassVar[tuple[str, ...]] = ()

    # New rows are rendered by the current pipeline as their columns are set; rows that
    # existed before a column was added get 0 from the migration and wait for a rerender.
    render_version: Mapped[int] = mapped_column(default=PIPELINE_VERSION)

    @classmethod
    def __declare_last__(cls) -> None:
        for name in cls.__markdown__:
            event.listen(getattr(cls, name), "set", partial(_rendered_on_set, name))

    def rerender(self) -> None:
        """Render every Markdown column of this row again with the current pipeline."""
        for name in self.__markdown__:
            _store(self, name, getattr(self, name))
        self.render_version = PIPELINE_VERSION


def _store(target: Any, name: str, source: str | None) -> None:
    rendered = render(source or "")
    setattr(target, f"{name}_html", rendered.html)
    setattr(target, f"{name}_text", rendered.text)


def _rendered_on_set(name: str, target: Any, value: str | None, _old: Any, _init: Any) -> None:
    _store(target, name, value)
    state = inspect(target)
    # A row from an older pipeline: render its other columns too, so its version is true.
    if state.persistent and target.render_version != PIPELINE_VERSION:
        for other in type(target).__markdown__:
            if other != name:
                _store(target, other, getattr(target, other))
        target.render_version = PIPELINE_VERSION


def rendered_models() -> list[type[RenderedMarkdown]]:
    """Every mapped model with stored renderings, in a stable order."""
    classes = {
        mapper.class_
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, RenderedMarkdown)
    }
    return sorted(classes, key=lambda cls: cls.__name__)


def count_stale() -> dict[str, int]:
    """Rows per model whose stored renderings come from an older pipeline."""
    counts = {}
    for model in rendered_models():
        stale = model.render_version != PIPELINE_VERSION  # type: ignore[comparison-overlap]
        counts[model.__name__] = db.session.scalar(select(func.count()).where(stale)) or 0
    db.session.rollback()
    return counts


def rerender_stale(progress: Callable[[int, int], None] | None = None) -> int:
    """Render again every row an older pipeline produced, in committed batches; returns how many.

    Rows are written with an UPDATE of the rendered columns only, so ``updated_at`` and the
    rest of the row stay as they were (this is not an edit).
    """
    total = sum(count_stale().values())
    done = 0
    for model in rendered_models():
        for batch in _stale_batches(model):
            db.session.execute(update(model), batch)
            db.session.commit()
            done += len(batch)
            if progress is not None:
                progress(done, total)
    return done


def _stale_batches(model: type[RenderedMarkdown]) -> Iterator[list[dict[str, Any]]]:
    key = model.id  # type: ignore[attr-defined]
    columns = [getattr(model, name) for name in model.__markdown__]
    # Given explicitly, so the column's onupdate does not date the row as edited now.
    kept = [model.updated_at] if hasattr(model, "updated_at") else []  # type: ignore[attr-defined]
    last = 0
    while True:
        rows = db.session.execute(
            select(key, *kept, *columns)
            .where(model.render_version != PIPELINE_VERSION, key > last)  # type: ignore[comparison-overlap]
            .order_by(key)
            .limit(RERENDER_BATCH)
        ).all()
        db.session.rollback()
        if not rows:
            return
        batch = []
        for row in rows:
            values: dict[str, Any] = {"id": row[0], "render_version": PIPELINE_VERSION}
            if kept:
                values["updated_at"] = row[1]
            sources = row[1 + len(kept) :]
            for name, source in zip(model.__markdown__, sources, strict=True):
                rendered = render(source or "")
                values[f"{name}_html"] = str(rendered.html)
                values[f"{name}_text"] = rendered.text
            batch.append(values)
        last = rows[-1][0]
        yield batch
