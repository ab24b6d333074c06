"""A plain (not editable) install works: the wheel carries templates, static files and
migrations."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SMOKE = textwrap.dedent(
    """
    import flask_migrate
    import blog
    from blog import create_app

    app = create_app({"SECRET_KEY": "k", "SITE_URL": "http://localhost",
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///blog.sqlite3"})
    with app.app_context():
        flask_migrate.upgrade()  # the migrations travel in the wheel too
    client = app.test_client()
    home = client.get("/")
    style = client.get("/static/css/blog.css")
    print(blog.__file__)
    print(home.status_code, "Latest articles" in home.get_data(as_text=True))
    print(style.status_code, app.template_folder.startswith(app.root_path))
    """
)


def test_the_built_wheel_serves_pages_without_the_source_tree(tmp_path):
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", wheels, ROOT], check=True
    )
    (wheel,) = wheels.glob("porchlight_blog-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", target, wheel], check=True)
    env = {**os.environ, "PYTHONPATH": str(target)}
    env = {k: v for k, v in env.items() if not k.startswith("FLASK_")}
    run = subprocess.run(
        [sys.executable, "-c", SMOKE], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    where, home, style = run.stdout.split("\n")[:3]
    assert where.startswith(str(target)), "the installed copy, not the source tree, was used"
    assert home == "200 True"
    assert style == "200 True"
