"""Paging by key, never by OFFSET, so page 2,000 costs what page 1 costs."""

from sqlalchemy import and_, or_, select

from .extensions import db


def beyond(time_column, id_column, anchor_id, *, older: bool, anchor_time=None):
    """The rows past the row `anchor_id` in (time, id) order: the older ones when `older`,
    else the newer. `anchor_time` saves looking up that row's time when it is known."""
    if anchor_time is None:
        anchor_time = select(time_column).where(id_column == anchor_id).scalar_subquery()
    # The first bound says the same as the rest, but as a range the database can seek to
    # in an index (an OR alone it may read from the far end of the index).
    if older:
        return and_(
            time_column <= anchor_time,
            or_(time_column < anchor_time, and_(time_column == anchor_time, id_column < anchor_id)),
        )
    return and_(
        time_column >= anchor_time,
        or_(time_column > anchor_time, and_(time_column == anchor_time, id_column > anchor_id)),
    )


def newest_first(statement, time_column, id_column, before: int | None, size: int):
    """One page of `statement`'s rows, newest first, after the row `before`; and the id to
    ask for the next page with (None on the last)."""
    if before:
        statement = statement.where(beyond(time_column, id_column, before, older=True))
    rows = list(
        db.session.scalars(statement.order_by(time_column.desc(), id_column.desc()).limit(size + 1))
    )
    return rows[:size], rows[size - 1].id if len(rows) > size else None
