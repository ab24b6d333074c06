"""Flask's signed-cookie sessions, opened only for a browser that has one: readers never
do (only the signed-in owner has a session), so their requests skip building the signer."""

from flask.sessions import SecureCookieSessionInterface


class SessionsForThoseWhoHaveOne(SecureCookieSessionInterface):
    def open_session(self, app, request):
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()  # what Flask gives a browser without the cookie
        return super().open_session(app, request)
