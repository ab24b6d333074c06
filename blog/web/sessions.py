"""Flask's signed-cookie sessions, opened only for a browser that has one: readers never
do (only the signed-in owner has a session), so their requests skip building the signer.

And renewed only by the owner's own pages: a public page is the same for everyone and may
be cached, so it never carries a Set-Cookie, and reading the blog does not keep an idle
admin session alive (it ends after ADMIN_SESSION_HOURS without an admin request)."""

from flask import request
from flask.sessions import SecureCookieSessionInterface


class SessionsForThoseWhoHaveOne(SecureCookieSessionInterface):
    def open_session(self, app, request):
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()  # what Flask gives a browser without the cookie
        return super().open_session(app, request)

    def save_session(self, app, session, response) -> None:
        if session or session.modified or session.accessed:
            super().save_session(app, session, response)
        # else Flask would only work out the cookie's settings, to write nothing

    def should_set_cookie(self, app, session) -> bool:
        if session.modified:
            return True
        return request.blueprint == "admin" and super().should_set_cookie(app, session)
