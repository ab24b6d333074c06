"""Short signed values the site hands out and reads back: a form's start time, the held
comments a browser posted. A plain HMAC rather than a serializer, as both are made on hot
paths (every article view, every held post)."""

import hashlib
import hmac


def _signature(secret: str, purpose: str, message: str) -> str:
    key = f"{purpose}:{secret}".encode()  # one purpose's signatures never pass for another's
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:32]


def sign(secret: str, purpose: str, message: str) -> str:
    return f"{message}.{_signature(secret, purpose, message)}"


def unsign(secret: str, purpose: str, signed: str | None) -> str | None:
    """The message, if `signed` was made by `sign` with this secret and purpose."""
    if not signed:
        return None
    message, _, signature = signed.rpartition(".")
    expected = _signature(secret, purpose, message)
    return message if hmac.compare_digest(signature.encode(), expected.encode()) else None
