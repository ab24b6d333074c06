"""The owner's Outbox page: messages queued, sent, failed and dropped (no longer wanted),
newest first; one that failed (or waits) can be tried again now."""

from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import select

from ..extensions import db
from ..keyset import newest_first
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
    messages, next_before = newest_first(
        select(OutboxMessage).where(OutboxMessage.status.in_(TABS[status])),
        OutboxMessage.created_at,
        OutboxMessage.id,
        optional_id("before"),
        PAGE,
    )
    return render_template(
        "admin/outbox.html",
        messages=messages,
        next_before=next_before,
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
