"""Absurd dates, bidirectional overrides, filters and pages past the end: a message naming
the field, never a 500 or a silently wrong page (found by the exploratory test round)."""

import pytest

R = "/regions/swf5"


@pytest.mark.parametrize("query", ["from=0001-01-01", "to=9999-12-31", "from=abc",
                                   "to=31.12.2021&from=2200-01-01"])
def test_activity_filter_with_an_absurd_date_names_the_field(as_user, query):
    response = as_user("koordination").get(f"{R}/activity?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="flash flash-error"' in html
    assert ("von:" in html) or ("bis:" in html)


def test_activity_filter_with_sensible_dates_shows_no_message(as_user):
    html = as_user("koordination").get(f"{R}/activity?from=2020-01-01&to=31.12.2030") \
        .get_data(as_text=True)
    assert "flash-error" not in html


@pytest.mark.parametrize("field, value", [("funded_until", "0001-01-01"),
                                          ("funded_until", "9999-12-31"),
                                          ("funded_until", "31.12.2101")])
def test_dates_outside_the_platforms_years_are_422(api, field, value):
    response = api("koordination").patch(R, {field: value})
    assert response.status_code == 422
    details = response.get_json()["details"]
    assert any(d["field"] == field and "1900" in d["message"] for d in details)


def test_a_plausible_date_is_kept(api):
    assert api("koordination").patch(R, {"funded_until": "2027-03-31"}).status_code == 200


@pytest.mark.parametrize("mark", ["\u202e", "\u202a", "\u2066", "\u2069"])
def test_bidirectional_overrides_in_a_name_are_refused(api, mark):
    response = api("olpe").patch(f"{R}/actors/olpe-bm", {"name": f"Test{mark}live"})
    assert response.status_code == 422
    assert "name" in {d["field"] for d in response.get_json()["details"]}


def test_a_page_after_the_last_goes_to_the_last(as_user):
    user = as_user("koordination")
    response = user.get(f"{R}/actors?page=99")
    assert response.status_code == 302
    last = response.headers["Location"]
    assert "page=" in last and "page=99" not in last
    html = user.get(last).get_data(as_text=True)
    assert "Keine Treffer" not in html
    response = user.get(f"{R}/activity?page=5000")
    assert response.status_code == 302 and "page=5000" not in response.headers["Location"]


def test_snapshot_with_the_year_one_names_the_range(runner):
    result = runner.invoke(args=["snapshot", "swf5", "--name", "x", "--date", "0001-01-01"])
    assert result.exit_code == 1
    assert "1900" in result.output and "JJJJ-MM-TT" not in result.output


def test_pages_name_their_icon(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'rel="icon"' in html
    with client.get("/static/favicon.svg") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_password_hint_names_the_required_length(as_user):
    html = as_user("olpe").get("/konto/passwort").get_data(as_text=True)
    assert "Mindestens 8 Zeichen" not in html
    assert "Mindestens 10 Zeichen" in html or "Mindestens 4 Zeichen" in html


def test_own_municipality_page_labels_severities_and_names_formats(as_user):
    html = as_user("olpe").get("/kommune").get_data(as_text=True)
    assert '<span class="badge sev-medium">mittel</span>' in html
    for raw in ("high", "medium", "low"):
        assert f">{raw}</span>" not in html
    assert "über Arbeitsrunde der Projektleitungen" in html  # the format's name, not its key
    assert "über pl-arbeitsrunde" not in html
