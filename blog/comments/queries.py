"""Reads of an article's comments: a page of whole threads at a time, by key."""

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import exists, func, select, union
from sqlalchemy.orm import aliased

from ..extensions import db
from ..keyset import beyond
from ..models import Comment, CommentStatus

# Top-level comments that hold a place on a page: published ones, and removed ones whose
# replies are still there.
PLACED = (CommentStatus.PUBLISHED, CommentStatus.REMOVED)
HIDDEN = (CommentStatus.PENDING, CommentStatus.SPAM)


@dataclass
class Shown:
    """A comment where a page shows it: its nesting level (at most the deepest one) and,
    when it is shown flatter than it sits, the comment it answers."""

    comment: Comment
    level: int
    answers: Comment | None = None
    replies: list["Shown"] = field(default_factory=list)
    hidden: bool = False  # held or spam, and not this reader's: a notice in its place


def thread_page(
    article_id: int, before_id: int | None, size: int, own_held: list[int], max_depth: int
) -> tuple[list[Shown], int | None]:
    """The newest `size` threads before the top-level comment `before_id` (all of them
    when it is None), oldest first, each with its replies; and the key of the page of
    earlier threads, if there is one.

    `own_held` are held comments this reader posted: they see them, nobody else does.
    Two statements whatever the page holds: the top-level comments, then their replies.
    """
    newest = _placed_tops(article_id, before_id, size + 1, own_held, older=True)
    keys = (
        select(newest.c.id)
        .order_by(newest.c.created_at.desc(), newest.c.id.desc())
        .limit(size + 1)
        .scalar_subquery()
    )
    # One statement: the top-level comments and everything in their threads (which replies
    # a reader sees is decided here: a status condition in SQL draws SQLite to an index
    # on status, all of whose rows it would then read).
    rows = db.session.scalars(
        select(Comment)
        .where(Comment.id.in_(keys) | Comment.root_id.in_(keys))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    tops = [c for c in rows if c.root_id is None and c.depth == 0]
    earlier = tops[1].id if len(tops) > size else None
    tops = tops[-size:]
    kept = {c.id for c in tops}
    held = set(own_held)
    replies = [
        c
        for c in rows
        if c.root_id in kept
        and (c.status in PLACED or (c.status == CommentStatus.PENDING and c.id in held))
    ]
    threads = arrange(tops, replies, max_depth)
    for thread in threads:
        thread.hidden = thread.comment.status in HIDDEN and thread.comment.id not in held
    return threads, earlier


def _placed_tops(
    article_id: int, anchor_id: int | None, limit: int, own_held: list[int], older: bool
):
    """The top-level comments that hold a place on a page, past the one `anchor_id` (older
    or newer ones; all when it is None), nearest first, as a subquery of (id, created_at):
    published and removed ones; held or spam ones that others answered (their answers stay
    in view); and this reader's own held ones. One index range per kind, so held or spam
    rows are never read through."""
    answered = aliased(Comment)
    with_answers = exists().where(
        answered.root_id == Comment.id, answered.status == CommentStatus.PUBLISHED
    )
    kinds = [Comment.status == status for status in PLACED]
    kinds += [(Comment.status == status) & with_answers for status in HIDDEN]
    if own_held:
        kinds.append(Comment.id.in_(own_held) & (Comment.status == CommentStatus.PENDING))
    branches = [
        _top_level(article_id, anchor_id, limit, older).where(kind).subquery().select()
        for kind in kinds
    ]
    return union(*branches).subquery()


def _top_level(article_id: int, anchor_id: int | None, limit: int, older: bool):
    stmt = select(Comment.id, Comment.created_at).where(
        Comment.article_id == article_id, Comment.depth == 0
    )
    if anchor_id:
        tops = (Comment.article_id == article_id) & (Comment.depth == 0)
        # The anchor's time; if it has since been deleted, that of the top-level comment
        # just before it by id, so that a page's "Show earlier" link still leads somewhere.
        anchor_time = func.coalesce(
            select(Comment.created_at).where(Comment.id == anchor_id, tops).scalar_subquery(),
            select(func.max(Comment.created_at))
            .where(Comment.id < anchor_id, tops)
            .scalar_subquery(),
        )
        stmt = stmt.where(
            beyond(Comment.created_at, Comment.id, anchor_id, older=older, anchor_time=anchor_time)
        )
    if older:
        return stmt.order_by(Comment.created_at.desc(), Comment.id.desc()).limit(limit)
    return stmt.order_by(Comment.created_at, Comment.id).limit(limit)


def arrange(tops: list[Comment], replies: list[Comment], max_depth: int) -> list[Shown]:
    """Threads as nested lists, replies oldest first under what they answer. Below the
    deepest level (`max_depth` levels in all, at least 2) a reply is shown at that level,
    beside the comment it answers and naming it. A reply whose parent is not shown (held,
    or gone) is shown under the thread's top."""
    deepest = deepest_level(max_depth)
    shown = {c.id: Shown(c, 0) for c in tops}
    holder: dict[int, Shown] = {}  # the node whose list holds each reply
    for reply in replies:
        parent = shown.get(reply.parent_id) or shown.get(reply.root_id)
        if parent is None:
            continue
        if parent.level < deepest:
            node, home = Shown(reply, parent.level + 1), parent
        else:
            node, home = Shown(reply, deepest, answers=parent.comment), holder[parent.comment.id]
        home.replies.append(node)
        shown[reply.id], holder[reply.id] = node, home
    named = {node.answers.id for node in shown.values() if node.answers is not None}
    return [node for node in (shown[c.id] for c in tops) if _keeps_place(node, named)]


def _keeps_place(node: Shown, named: set[int]) -> bool:
    """Drop removed comments that nothing shown answers (their replies may be held): a
    placeholder is there only to hold replies in place, under it or naming it."""
    node.replies = [reply for reply in node.replies if _keeps_place(reply, named)]
    return (
        node.comment.status != CommentStatus.REMOVED
        or bool(node.replies)
        or node.comment.id in named
    )


def newest_id(threads: list[Shown]) -> int:
    """The newest comment a page shows (new comments are those after it)."""
    newest, stack = 0, list(threads)
    while stack:
        node = stack.pop()
        newest = max(newest, node.comment.id)
        stack.extend(node.replies)
    return newest


def deepest_level(max_depth: int) -> int:
    return max(max_depth, 2) - 1


def deepest() -> int:
    """The deepest level a page nests replies to, by the COMMENT_MAX_DEPTH setting."""
    return deepest_level(current_app.config["COMMENT_MAX_DEPTH"])


def answered(comment) -> Comment | None:
    """The comment a reply below the deepest level names ("in reply to ...")."""
    if comment.depth <= deepest():
        return None
    return db.session.get(Comment, comment.parent_id) if comment.parent_id else None


def shown_level(comment) -> int:
    """How deep a page shows `comment` (where its thread is whole)."""
    return min(comment.depth, deepest())


def page_of_threads(article_id: int, before_id: int | None, own_held: list[int]):
    """thread_page with the site's settings."""
    config = current_app.config
    return thread_page(
        article_id, before_id, config["COMMENTS_PER_PAGE"], own_held, config["COMMENT_MAX_DEPTH"]
    )


def ancestor_at(comment: Comment, depth: int) -> int:
    """The id of `comment`'s ancestor at `depth` (itself when none is found): one
    statement however deep it sits."""
    up = (
        select(Comment.id, Comment.parent_id, Comment.depth)
        .where(Comment.id == comment.id)
        .cte("up", recursive=True)
    )
    step = aliased(Comment)
    up = up.union_all(
        select(step.id, step.parent_id, step.depth).where(
            step.id == up.c.parent_id, up.c.depth > depth
        )
    )
    found = db.session.scalar(select(up.c.id).where(up.c.depth == depth).limit(1))
    return found or comment.id


def newer_tops(article_id: int, top: Comment, within: int, own_held: list[int]) -> list[int]:
    """Up to `within` of the top-level comments a page would show after `top`, oldest
    first (the same kinds as thread_page's)."""
    newer = _placed_tops(article_id, top.id, within, own_held, older=False)
    stmt = select(newer.c.id).order_by(newer.c.created_at, newer.c.id).limit(within)
    return list(db.session.scalars(stmt))


def own_among(article_id: int, ids: list[int]) -> list[Comment]:
    """Which of `ids` are this article's comments that their writer may still see or
    change: held ones, and published ones (a reader's own, to show or offer to edit)."""
    if not ids:
        return []
    stmt = select(Comment).where(
        Comment.article_id == article_id,
        Comment.id.in_(ids),
        Comment.status.in_((CommentStatus.PENDING, CommentStatus.PUBLISHED)),
    )
    return list(db.session.scalars(stmt))
