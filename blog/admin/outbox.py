"""The owner's Outbox page: messages queued, sent, failed and dropped (no longer wanted),
newest first; one that failed (or waits) can be tried again now."""

from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import select

from ..extensions import db
from ..keyset import beyond
from ..mail import outbox
from ..models import OutboxMessage, OutboxStatus
from ..web.params import optional_id
from .forms import ActionForm
from .views import bp

TABS = {
    "queued": (OutboxStatus.QUEUED, OutboxStatus.SENDING),
    "sent": (OutboxStatus.SENT,),
    "failed": (OutboxStatus.FAILED,),
    "dropped": (OutboxStatus.DROPPED,),
}
PAGE = 50


@bp.get("/outbox")
def outbox_page():
    status = request.args.get("status", "queued")
    if status not in TABS:
        abort(404)
    stmt = select(OutboxMessage).where(OutboxMessage.status.in_(TABS[status]))
    before = optional_id("before")
    if before:
        stmt = stmt.where(beyond(OutboxMessage.created_at, OutboxMessage.id, before, older=True))
    rows = list(
        db.session.scalars(
            stmt.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(PAGE + 1)
        )
    )
    return render_template(
        "admin/outbox.html",
        messages=rows[:PAGE],
        next_before=rows[PAGE - 1].id if len(rows) > PAGE else None,
        status=status,
        form=ActionForm(),
    )


@bp.post("/outbox/<id:message_id>/retry")
def retry_message(message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404, description="That message no longer exists.")
    if message.status in (OutboxStatus.QUEUED, OutboxStatus.FAILED):
        outbox.retry(message)
        db.session.commit()
    return redirect(url_for("admin.outbox_page", status="queued"), 303)
