"""gunicorn's settings for `make serve` (and the nginx test and the benchmark).

The app's ProxyFix (the PROXY_COUNT setting) is the one place that believes a proxy's
X-Forwarded-* headers; gunicorn itself believes none, so no client can set the scheme
or the script root (SCRIPT_NAME) of a page through it.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WORKERS", "2"))
forwarded_allow_ips = ""
