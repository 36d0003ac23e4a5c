"""User pass: a clerk who deleted something by mistake could not find where to undo it (the
activity log was linked for the coordinator only, the message after deleting said nothing)."""

R = "/regions/swf5"


def test_a_member_finds_the_log_from_the_overview_and_the_deletion_message(as_user):
    olpe = as_user("olpe")
    overview = olpe.get(R).get_data(as_text=True)
    assert f'href="{R}/activity"' in overview and "rückgängig machen" in overview
    page = f"{R}/actors/olpe-bm/delete"
    response = olpe.post(page, {"confirm": "y"}, csrf_from=page, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "wurde gelöscht. Rückgängig machen können Sie das im Änderungsprotokoll" in html
    assert olpe.get(f"{R}/activity").status_code == 200


def test_a_viewer_gets_no_log_link(as_user):
    assert f'href="{R}/activity"' not in as_user("gast").get(R).get_data(as_text=True)
