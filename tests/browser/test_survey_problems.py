"""The survey form's refusals in real Chromium: shown where the partners are, and focused
(``autofocus``, no script), at 1400 and 390 px."""

from __future__ import annotations

import pytest

from .test_survey_form import _open_survey

pytestmark = pytest.mark.browser

#: the focused element's id, and whether it stands inside the window
FOCUSED = """() => { const e = document.activeElement; const r = e.getBoundingClientRect();
    return {id: e.id, seen: r.top >= 0 && r.bottom <= window.innerHeight}; }"""


@pytest.mark.parametrize("phone", [False, True])
def test_a_refused_partner_is_focused_in_its_row(phone, signed_in, live_server):
    """QA: a refused answer said "Bitte prüfen Sie die markierten Angaben" at the top and
    marked nothing. The refused partner's field is focused and in view now, its message
    below it."""
    survey_id = _open_survey(live_server.app)
    page = signed_in("olpe", phone=phone)
    page.goto(f"{live_server.url}/regions/swf5/surveys/{survey_id}/answer")
    page.wait_for_selector("form.survey-form")
    assert "Höchstens 200 Partner je Antwort" in page.inner_text("#survey-limits")
    rows = page.locator("table.survey-partners tbody tr").count()
    last = rows - 1
    page.fill(f"input[name=p-{last}-actor]", "Gibt es nicht")
    page.click("input[name=submit]")
    page.wait_for_selector(f"#p-{last}-actor-problem")
    assert page.evaluate(FOCUSED) == {"id": f"p-{last}-actor", "seen": True}
    assert "gibt es in dieser Region nicht" in page.inner_text(f"#p-{last}-actor-problem")
