"""New comments while a reader has the article open: the page asks every
COMMENT_POLL_SECONDS with the version it was built from. Unchanged, the answer is a 204
(given before Flask by the speed layer: one indexed lookup, what a 304 costs). Changed, it
says how many comments arrived; pressing "show them" inserts them in place."""

from flask import (
    Blueprint,
    Response,
    abort,
    get_template_attribute,
    render_template,
    request,
)
from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

from ..articles.views import article_or_404
from ..extensions import db
from ..keyset import beyond
from ..models import Comment, CommentStatus
from ..web.params import parse_id
from . import own_comments, queries
from .views import reply_list_for

bp = Blueprint("live", __name__)
SHOWN_AT_ONCE = 50


@bp.get("/articles/<slug>/comments/new")
def new_comments(slug: str):
    """`since`: the article's revision the page shows; `after`: the newest comment it
    shows; `first`: its oldest thread. With `show`, the new comments themselves (at most
    SHOWN_AT_ONCE)."""
    article, version = article_or_404(slug)
    since, after, first = whole_number("since"), whole_number("after"), whole_number("first")
    show = "show" in request.args
    if version.revision == since and not show:
        return Response(status=204, headers={"Cache-Control": "no-cache"})
    newer = [
        Comment.article_id == article.id,
        Comment.status == CommentStatus.PUBLISHED,
        Comment.id > after,
    ]
    if first:  # replies count only in threads the page shows (from `first` on), or new ones
        newer.append((Comment.depth == 0) | _in_threads_from(first))
    own = own_comments.own_comment_ids()  # what this reader posted is no news to them
    if own:
        newer.append(Comment.id.not_in(list(own)))
    if not show:
        count = db.session.scalar(select(func.count()).where(*newer))
        html = render_template(
            "comments/_poll.html",
            article=article,
            version=version,
            after=after,
            first=first,
            count=count,
        )
        return Response(html, headers={"Cache-Control": "no-cache"})
    arrived = list(
        db.session.scalars(select(Comment).where(*newer).order_by(Comment.id).limit(SHOWN_AT_ONCE))
    )
    item = get_template_attribute("comments/_comment.html", "comment_item")
    inserts = [
        (_list_for(c), item(c, article, level=queries.shown_level(c), answers=queries.answered(c)))
        for c in arrived
    ]
    html = render_template(
        "comments/_arrived.html",
        article=article,
        version=version,
        # more than were shown: the next poll counts again (revisions start at 1)
        since=version.revision if len(arrived) < SHOWN_AT_ONCE else 0,
        after=arrived[-1].id if arrived else after,
        first=first,
        inserts=inserts,
    )
    return Response(html, headers={"Cache-Control": "no-cache"})


def _in_threads_from(first: int):
    """A reply whose thread starts at the top-level comment `first` or after it."""
    start, root = aliased(Comment), aliased(Comment)
    first_time = select(start.created_at).where(start.id == first).scalar_subquery()
    return exists().where(
        root.id == Comment.root_id,
        (root.id == first)
        | beyond(root.created_at, root.id, first, older=False, anchor_time=first_time),
    )


def whole_number(name: str) -> int:
    """A revision or id from the query string, 0 included (a page with no comments yet
    polls after 0); anything else is a 404, as the speed layer's pattern would not
    match it either."""
    raw = request.args.get(name, "")
    if raw != "0" and parse_id(raw) is None:
        abort(404, description="That page of the list does not exist.")
    return int(raw)


def _list_for(comment: Comment) -> str:
    """The list on the page that a new comment joins."""
    parent = db.session.get(Comment, comment.parent_id) if comment.parent_id else None
    return reply_list_for(parent) if parent is not None else "comment-list"
