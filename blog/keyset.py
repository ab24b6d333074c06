"""Paging by key, never by OFFSET, so page 2,000 costs what page 1 costs."""

from sqlalchemy import and_, or_, select


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
