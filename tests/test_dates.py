from datetime import UTC, datetime

import pytest

from blog.web.dates import localize, long_date, ordinal


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
        (31, "31st"),
    ],
)
def test_ordinal_days(day, expected):
    assert ordinal(day) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2007, 12, 12, 8, 16), "December 12th, 2007 at 8:16 AM"),
        (datetime(2007, 12, 13, 18, 39), "December 13th, 2007 at 6:39 PM"),
        (datetime(2020, 1, 1, 0, 0), "January 1st, 2020 at 12:00 AM"),
        (datetime(2021, 3, 22, 12, 5), "March 22nd, 2021 at 12:05 PM"),
        (datetime(2023, 5, 23, 23, 59), "May 23rd, 2023 at 11:59 PM"),
        (datetime(2024, 7, 31, 9, 7), "July 31st, 2024 at 9:07 AM"),
        (datetime(2024, 2, 11, 10, 0), "February 11th, 2024 at 10:00 AM"),
    ],
)
def test_long_date_matches_reference_format(moment, expected):
    assert long_date(moment) == expected


def test_stored_utc_is_shown_in_site_time_zone():
    shown = localize(datetime(2007, 12, 12, 13, 16), "America/New_York")
    assert long_date(shown) == "December 12th, 2007 at 8:16 AM"
    assert localize(datetime(2007, 12, 12, 13, 16), "UTC").tzinfo is not None
    assert localize(datetime(2007, 12, 12, 13, 16, tzinfo=UTC), "UTC").hour == 13
