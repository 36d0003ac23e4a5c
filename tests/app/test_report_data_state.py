"""The PDF reports state their "Datenstand" as the date and time of the region's last data
change in local (Berlin) time, the data version only in small print; a report still of the
data before the last change says so."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from collab.core.models import Region
from collab.extensions import db

from .test_pictures import _pdftext, needs_poppler

R = "/regions/swf5"


def _changed_at(app) -> dt.datetime:
    with app.app_context():
        return db.session.scalar(sa.select(Region.data_changed_at).filter_by(slug="swf5"))


def test_a_change_records_when_the_data_changed(app, api):
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert api("koordination").patch("/regions/swf5/actors/swa",
                                     {"capacity_fte": 5}).status_code == 200
    after = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert before <= _changed_at(app) <= after


@needs_poppler
def test_the_pdf_reports_print_the_date_and_time_of_the_data(app, api, as_user, tmp_path):
    assert api("koordination").patch("/regions/swf5/actors/swa",
                                     {"capacity_fte": 5}).status_code == 200
    with app.app_context():
        region = db.session.scalar(sa.select(Region).filter_by(slug="swf5"))
        region.data_changed_at = dt.datetime(2026, 7, 1, 16, 5)  # UTC: 18:05 summer time
        version = region.data_version
        db.session.commit()
    user = as_user("koordination")
    for path in (f"{R}/report.pdf", f"{R}/municipalities/olpe/report.pdf"):
        text = " ".join(_pdftext(user.get(path).get_data(), tmp_path).split())
        assert "Datenstand: 01.07.2026, 18:05 MESZ" in text, text[:600]
        assert f"(Datenversion {version})" in text
        assert not re.search(r"Datenstand: Version", text)


@needs_poppler
def test_a_report_of_older_data_says_it_is_before_the_last_change(app, as_user, tmp_path):
    from collab.analysis import reports

    app.config["ANALYSIS_MIN_INTERVAL"] = 600  # the newer data's report waits
    with app.app_context():
        region = db.session.scalar(sa.select(Region).filter_by(slug="swf5"))
        first = reports.latest(region)
        assert first.state == "ready"
        region.data_version += 1
        region.data_changed_at = dt.datetime(2026, 12, 1, 9, 30)  # 10:30 MEZ
        db.session.commit()
        assert reports.latest(region).state == "stale"
    text = " ".join(_pdftext(as_user("koordination").get(f"{R}/report.pdf").get_data(),
                             tmp_path).split())
    assert ("Datenstand: vor der letzten Änderung vom 01.12.2026, 10:30 MEZ (ihre Analyse "
            "läuft noch)") in text, text[:600]
    assert f"(Datenversion {first.data_version})" in text
