"""The survey form in real Chromium: Olpe fills in and submits its answer (issue 13.2)."""

from __future__ import annotations

import datetime as dt

import pytest

from collab.extensions import db

pytestmark = pytest.mark.browser


def _open_survey(app) -> int:
    """The round of swf5 taking answers: the one open already (a region has one at a time,
    and the live server is shared by the session's tests), else a new one."""
    from collab.core.localtime import local_today
    from collab.core.models import Region
    from collab.core.permissions import SYSTEM
    from collab.surveys import services

    with app.app_context():
        region = db.session.scalar(db.select(Region).filter_by(slug="swf5"))
        survey = services.open_round(region) or services.open_survey(
            region, {"closes_at": (local_today() + dt.timedelta(days=7)).isoformat()},
            SYSTEM)
        survey_id = survey.id
        db.session.remove()
    return survey_id


def test_olpe_fills_in_and_submits_the_survey(live_server, signed_in):
    survey_id = _open_survey(live_server.app)
    page = signed_in("olpe")
    page.goto(f"{live_server.url}/regions/swf5/surveys")
    page.click(f"a[href$='/surveys/{survey_id}/answer']")
    page.wait_for_selector("form.survey-form")
    # the partner field offers type-ahead from the region's actors by name (a datalist, no
    # script); the name is taken as the actor's key
    assert page.locator('datalist#survey-actors option'
                        '[value="Abteilung Innovation und digitaler Wandel"]').count() == 1
    rows = page.locator("table.survey-partners tbody tr").count()
    page.click("input[name=more]")  # one more row, without JavaScript
    page.wait_for_selector("form.survey-form")
    assert page.locator("table.survey-partners tbody tr").count() == rows + 1
    page.select_option("select[name=unit-olpe-digital]", "coordinating")
    page.select_option("select[name=p-0-from]", "olpe-digital")
    page.fill("input[name=p-0-actor]", "Abteilung Innovation und digitaler Wandel")
    page.select_option("select[name=p-0-frequency]", "weekly")
    page.select_option("select[name=p-0-trust]", "4")
    page.select_option("select[name=p-0-value]", "5")
    page.fill("input[name=p-1-new_name]", "Heimatverein Olpe")
    page.select_option("select[name=p-1-new_type]", "association")
    page.click("input[name=submit]")
    page.wait_for_selector(".flash-success")
    assert "Ihre Antwort ist gespeichert" in page.inner_text("main")
    # the answer is shown again when the form is opened again
    assert page.input_value("input[name=p-0-actor]") == \
        "Abteilung Innovation und digitaler Wandel"
    assert page.input_value("select[name=p-0-trust]") == "4"
    from collab.core.models import Actor, Tie
    with live_server.app.app_context():
        source = db.session.scalar(db.select(Actor).filter_by(key="olpe-digital"))
        target = db.session.scalar(db.select(Actor).filter_by(key="soest-innovation"))
        tie = db.session.scalar(db.select(Tie).filter_by(source_id=source.id,
                                                         target_id=target.id))
        assert (tie.provenance, tie.trust, tie.value, tie.weight) == ("self_reported", 4, 5, 5)
        db.session.remove()
