"""Original demo content: a few articles and comments whose dates span years."""

from datetime import datetime, timedelta

ARTICLES = [
    {
        "slug": "when-the-first-session-feels-awkward",
        "tags": ["Therapy", "First steps"],
        "title": "When the First Session Feels Awkward",
        "author": "Maren Holt",
        "published_at": datetime(2007, 12, 11, 9, 30),
        "copyright_year": 2007,
        "description": "",
        "body": """\
Most people arrive at a first appointment with a speech half-rehearsed in the car and
a strong wish to be somewhere else. That is not a bad sign. It usually means the thing
you came to talk about matters to you.

The first hour is mostly practical. You will be asked what brought you in, what you
have already tried, and what a better month would look like. You do not have to tell
your whole story at once, and you are allowed to say "I'm not ready to talk about that
yet."

## A few things that help

- Write down two or three sentences about why you came. Reading them aloud is fine.
- Ask how the work will go: how often, for how long, and how you will know it is helping.
- Notice how you feel on the way home. Relief, tiredness and irritation are all common.

If the fit feels wrong after a few meetings, say so. A good counselor would rather hear
it from you than lose you quietly.
""",
        "comments": [
            (
                "Tomasz R.",
                "tomasz@example.org",
                "",
                datetime(2007, 12, 12, 8, 16),
                "I drove around the block three times before my first appointment.\n\n"
                "Reading this would have saved me a lot of circling.",
            ),
            (
                "Ines",
                "ines@example.net",
                "https://example.net/ines",
                datetime(2007, 12, 13, 6, 37),
                'The point about saying "not yet" is underrated. It took me weeks to learn '
                "that I could set the pace.",
            ),
            (
                "Dev Okafor",
                "dev@example.com",
                "",
                datetime(2007, 12, 13, 18, 39),
                "Good advice on asking how progress will be measured.\nWe agreed on a check-in "
                "every six sessions and it kept us honest.",
            ),
            (
                "Ruth",
                "ruth@example.org",
                "",
                datetime(2012, 3, 1, 0, 5),
                "Still useful five years on. Sharing this with a friend who is nervous about "
                "starting.",
            ),
        ],
    },
    {
        "slug": "the-three-am-mind",
        "tags": ["Sleep", "Anxiety"],
        "title": "The Three A.M. Mind",
        "author": "Samuel Achterberg",
        "published_at": datetime(2015, 4, 22, 21, 0),
        "copyright_year": 2015,
        "description": "Why worries grow larger in the middle of the night, and a few "
        "gentle ways to answer them without getting out of bed or reaching for your phone, "
        "so that morning can do its work.",
        "body": """\
Problems that look manageable at dinner can seem enormous at three in the morning. The
room is dark, the body is tired, and the part of the mind that weighs one thing against
another is mostly asleep. What is left tends to rehearse the worst case.

It can help to treat night thoughts as *drafts*. They may contain something true, but
they are not the final version. Keep a notebook by the bed, write the worry down in one
line, and tell yourself it will be read again after breakfast.

Slow breathing with a longer out-breath than in-breath, a cooler room and a boring
audiobook are small tools, but small tools used often beat large ones used rarely.
""",
        "comments": [
            (
                "Priya",
                "priya@example.com",
                "",
                datetime(2015, 4, 23, 3, 2),
                "Reading this at 3 a.m., which feels appropriate.",
            ),
            (
                "Hal B.",
                "hal@example.org",
                "http://example.org/hal",
                datetime(2019, 11, 21, 12, 0),
                "The notebook trick works for me. In the morning half the list looks silly and "
                "the other half looks doable.",
            ),
        ],
        # A conversation: (the index of the comment answered, in "comments" and then in
        # these replies, counted on from there), name, email, website, time, words, and
        # whether the site's owner wrote it.
        "replies": [
            (
                0,
                "Samuel Achterberg",
                "",
                "",
                datetime(2015, 4, 23, 9, 40),
                "Then you found it at exactly the right hour. I hope the rest of the night "
                "was kinder.",
                True,
            ),
            (
                2,
                "Priya",
                "priya@example.com",
                "",
                datetime(2015, 4, 23, 22, 5),
                "It was. I wrote one line in the notebook and fell asleep before finishing "
                "the second.",
                False,
            ),
            (
                1,
                "Jonas",
                "jonas@example.net",
                "",
                datetime(2020, 1, 8, 7, 30),
                "Same here. Seen in daylight, my list was mostly about one email.",
                False,
            ),
        ],
    },
    {
        "slug": "saying-no-without-a-speech",
        "tags": ["Boundaries", "First steps"],
        "title": "Saying No Without a Speech",
        "author": "Maren Holt",
        "published_at": datetime(2024, 2, 2, 14, 15),
        "copyright_year": 2024,
        "description": "",
        "body": """\
Many of us were taught that a refusal has to be earned with a long explanation. The
longer the explanation, the more room the other person has to argue with it.

A short, warm no is usually kinder to both people: "Thanks for thinking of me. I can't
take that on this month." You can repeat it, unchanged, as often as needed.

This is a practice post with many reader comments, so you can see how the comment list
loads a page at a time.
""",
        "comments": [],
    },
]

_CHATTER = [
    "This is the sentence I needed this week.",
    "I tried the short version with my sister and it went better than expected.",
    "Explaining less felt rude at first. It turns out it was just unfamiliar.",
    "Saving this for the next time someone asks me to chair a committee.",
    "My manager respected the plain answer more than my usual paragraph.",
    "Repeating the same line without adding reasons is harder than it sounds.",
]


def many_comments(count: int, start: datetime) -> list[tuple[str, str, str, datetime, str]]:
    """A long, original thread for the practice article, an hour apart."""
    return [
        (
            f"Reader {n + 1}",
            f"reader{n + 1}@example.com",
            "",
            start + timedelta(hours=n),
            _CHATTER[n % len(_CHATTER)],
        )
        for n in range(count)
    ]
