import hashlib
import re
from datetime import datetime, timedelta

import pytest
from support import add_comments, comment_data, form_tokens, make_article

from blog.extensions import db


def test_home_lists_articles_newest_first_with_details(app, client):
    with app.app_context():
        old = make_article("old-one", "Old One", published_at=datetime(2007, 1, 1))
        make_article("new-one", "New One", published_at=datetime(2020, 1, 1))
        add_comments(old, 2)
    html = client.get("/").get_data(as_text=True)
    assert html.index("New One") < html.index("Old One")
    assert 'href="/articles/old-one"' in html
    assert "By Ada Writer" in html
    assert "January 1st, 2007" in html
    assert "2 comments" in html and "0 comments" in html
    assert "First paragraph of the article." in html  # the excerpt


def test_home_pages_by_key_without_gaps_or_repeats(app, client):
    with app.app_context():
        for n in range(5):
            make_article(
                f"post-{n}", f"Post {n}", published_at=datetime(2010, 1, 1) + timedelta(days=n)
            )
    seen, url = [], "/"
    while url:
        html = client.get(url).get_data(as_text=True)
        on_page = [f"Post {n}" for n in range(5) if f">Post {n}<" in html]
        seen += sorted(on_page, key=lambda title: html.index(f">{title}<"))
        marker = 'rel="next" href="'
        url = html.split(marker)[1].split('"')[0].replace("&amp;", "&") if marker in html else None
    assert seen == ["Post 4", "Post 3", "Post 2", "Post 1", "Post 0"]


def test_home_with_no_articles_says_so(client):
    assert "No articles have been published yet." in client.get("/").get_data(as_text=True)


def test_unpublished_article_is_hidden(app, client):
    with app.app_context():
        make_article("draft", "Draft Piece", is_published=False)
    assert "Draft Piece" not in client.get("/").get_data(as_text=True)
    assert client.get("/articles/draft").status_code == 404


def test_article_page_shows_every_element_in_reference_order(app, client):
    with app.app_context():
        article = make_article(
            body="Opening words here.\n\n<script>alert('x')</script>\n\n**Bold idea**.",
            copyright_year=2007,
            copyright_holder="Jane Doe",
        )
        add_comments(article, 2)
    response = client.get("/articles/a-quiet-article")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>A Quiet Article" in html
    body = html[html.index("<main") :].replace("&copy;", "©")
    order = [
        '<h1 id="article-title">A Quiet Article</h1>',
        "Opening words here.",
        "<strong>Bold idea</strong>",
        "© Copyright 2007 by Jane Doe. All Rights Reserved.",
        "not necessarily\n    shared by Test Notes Publishing",
        ">Leave a Comment</a>",
        "2 Comments",
        "Comment number 1.",
        "Comment number 2.",
        ">Leave a Comment</h2>",
        "acknowledge acceptance of Test Notes's",
        "* Indicates required field.",
        "sets no cookies while you read",
    ]
    positions = [body.find(part) for part in order]
    assert -1 not in positions, [p for p, i in zip(order, positions, strict=True) if i == -1]
    assert positions == sorted(positions)
    assert "<script>alert" not in html


def test_article_meta_tags_use_the_excerpt_cut_near_155(app, client):
    long_body = " ".join(["calm"] * 80)
    with app.app_context():
        make_article(body=long_body)
    html = client.get("/articles/a-quiet-article").get_data(as_text=True)
    description = html.split('<meta name="description" content="')[1].split('"')[0]
    assert description.endswith("...")
    assert 140 <= len(description) <= 158
    assert f'<meta property="og:description" content="{description}">' in html
    assert '<meta property="og:title" content="A Quiet Article">' in html
    assert '<meta property="og:url" content="http://localhost/articles/a-quiet-article">' in html
    assert '<link rel="canonical" href="http://localhost/articles/a-quiet-article">' in html


def test_leave_a_comment_link_targets_the_first_field(article, client):
    html = client.get("/articles/a-quiet-article").get_data(as_text=True)
    assert '<a href="#comment-name" data-focus-target="comment-name">Leave a Comment</a>' in html
    assert 'id="comment-name"' in html


def test_comment_count_wording(app, client):
    with app.app_context():
        make_article()
    assert "No comments yet" in client.get("/articles/a-quiet-article").get_data(as_text=True)
    with app.app_context():
        from blog.models import Article

        add_comments(db.session.get(Article, 1), 1)
    assert "1 Comment<" in client.get("/articles/a-quiet-article").get_data(as_text=True)


def test_unknown_article_is_a_real_404_page(client, htmx_client):
    response = client.get("/articles/no-such-thing")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "could not find that article" in html
    assert "Test Notes" in html and 'href="/css' not in html  # the site's own layout
    assert re.search(r'<link rel="stylesheet" href="/static/css/blog\.css\?v=\w+">', html)
    inline = htmx_client.get("/articles/no-such-thing")
    assert inline.status_code == 404
    assert "<html" not in inline.get_data(as_text=True)
    assert inline.headers["HX-Reswap"] == "none"


def test_unknown_url_and_wrong_method_get_site_pages(client):
    assert client.get("/nowhere").status_code == 404
    response = client.put("/")
    assert response.status_code == 405
    assert "Not allowed" in response.get_data(as_text=True)


def test_terms_page(client):
    response = client.get("/terms")
    assert response.status_code == 200
    assert "Terms and Conditions of Use" in response.get_data(as_text=True)


def test_pages_vary_on_hx_request(article, client):
    assert "HX-Request" in client.get("/articles/a-quiet-article").headers["Vary"]
    assert "HX-Request" in client.get("/").headers["Vary"]


def test_page_has_no_external_requests_and_defers_scripts(article, client):
    html = client.get("/articles/a-quiet-article").get_data(as_text=True)
    scripts = re.findall(r"<script[^>]*>", html)
    assert [re.sub(r"\?v=\w+", "", tag) for tag in scripts] == [
        '<script defer src="/static/vendor/htmx-4.0.1/htmx.min.js">',
        '<script defer src="/static/js/blog.js">',
    ]
    for attribute in ('src="http', 'src="//', 'href="//'):
        assert attribute not in html
    stylesheets = [part.split('"')[0] for part in html.split('rel="stylesheet" href="')[1:]]
    assert [sheet.split("?v=")[0] for sheet in stylesheets] == ["/static/css/blog.css"]


def test_asset_addresses_change_with_their_content(app, client):
    html = client.get("/").get_data(as_text=True)
    address = re.search(r'href="(/static/css/blog\.css\?v=(\w+))"', html)
    served = client.get(address.group(1))
    assert served.status_code == 200
    assert address.group(2) == hashlib.blake2b(served.data, digest_size=4).hexdigest()


def test_vendored_htmx_and_license_are_served(client):
    script = client.get("/static/vendor/htmx-4.0.1/htmx.min.js")
    assert script.status_code == 200 and b"htmx" in script.data
    assert client.get("/static/vendor/htmx-4.0.1/LICENSE").status_code == 200


# The home page is rendered once per set of article versions it shows, then served from
# memory with each reader's own token; nothing a reader could see may ever be stale.


def import_article(runner, tmp_path, slug, title, *flags):
    source = tmp_path / f"{slug}.md"
    source.write_text(
        f"---\ntitle: {title}\nslug: {slug}\nauthor: Ada Writer\ndate: 2026-01-01\n---\nBody.\n"
    )
    result = runner.invoke(args=["import-article", *flags, str(source)])
    assert result.exit_code == 0, result.output


def test_cached_home_page_follows_every_change(app, client, runner, tmp_path):
    with app.app_context():
        make_article()
        add_comments(make_article("held", "Held Thread"), 1, status="pending")
    assert "A Quiet Article" in client.get("/").get_data(as_text=True)  # now cached
    other = app.test_client()
    article = "/articles/a-quiet-article"
    posted = other.post(article + "/comments", data=comment_data(form_tokens(other, article)))
    assert posted.status_code == 303
    assert "1 comment<" in client.get("/").get_data(as_text=True)

    from blog.admin import moderation

    with app.app_context():
        moderation.apply("approve", [1])  # the held comment on "Held Thread"
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert html.count("1 comment<") == 2

    import_article(runner, tmp_path, "a-quiet-article", "A Renamed Article", "--replace")
    html = client.get("/").get_data(as_text=True)
    assert "A Renamed Article" in html and "A Quiet Article" not in html

    import_article(runner, tmp_path, "brand-new", "A Brand New Article")
    assert "A Brand New Article" in client.get("/").get_data(as_text=True)


def test_cached_home_page_is_the_same_for_every_reader(app, client, monkeypatch):
    with app.app_context():
        make_article()
    first = client.get("/")

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered a home page that had not changed")

    monkeypatch.setattr("blog.articles.views.render_template", no_rendering)
    other = app.test_client()
    second = other.get("/")
    assert second.data == first.data and "A Quiet Article" in second.get_data(as_text=True)
    assert second.headers["ETag"] == first.headers["ETag"]
    assert "csrf_token" not in second.get_data(as_text=True)  # nothing per reader in it
    response = other.post("/cookies/accept", data={"next": "/"})
    assert response.status_code == 303
    # with the notice dismissed, the page is another one (and gets rendered)
    with pytest.raises(AssertionError, match="rendered a home page"):
        other.get("/")
    monkeypatch.undo()
    dismissed = other.get("/")
    assert "sets no cookies while you read" not in dismissed.get_data(as_text=True)
    assert dismissed.headers["ETag"] != first.headers["ETag"]
    assert "sets no cookies while you read" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    ["before=x", "before=0", "before=-2", "before=%EF%BC%91", "before=99999999999999999999"],
)
def test_a_bad_home_page_cursor_is_a_404(app, client, query):
    with app.app_context():
        make_article()
    response = client.get("/?" + query)
    assert response.status_code == 404
    assert "A Quiet Article" not in response.get_data(as_text=True)
    assert client.get("/?before=2147483647").status_code == 404  # the largest id: no such one
    assert client.get("/?before=1").status_code == 200
    assert client.get("/?before=2147483648").status_code == 404  # beyond PostgreSQL's INTEGER


def test_dates_are_shown_in_the_sites_time_zone(tmp_path):
    from blog import create_app

    app = create_app(
        {
            "SECRET_KEY": "k",
            "SITE_URL": "http://localhost",
            "TIMEZONE": "America/New_York",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'tz.sqlite3'}",
        }
    )
    with app.app_context():
        db.create_all()
        article = make_article(published_at=datetime(2007, 12, 12, 13, 16))
        add_comments(article, 1, start=datetime(2007, 12, 12, 13, 16))
    html = app.test_client().get("/articles/a-quiet-article").get_data(as_text=True)
    assert "December 12th, 2007 at 8:16 AM" in html  # 13:16 UTC is 8:16 in New York
    assert 'datetime="2007-12-12T08:16:00-05:00"' in html
