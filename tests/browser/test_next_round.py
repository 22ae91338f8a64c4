"""A pupil the first round's lottery left without a place registers in the second round, in the browser:
the home page says round 1 brought no place and why, and offers the next round."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import expect
from portal_browser import submit
from region_support import PASSWORD, Region, RoundTimes, chosen_list, procedure_with_rounds, until

REGION = "amsterdam"
FIRST_CLOSES = timedelta(seconds=45)
FIRST_PUBLISHED = timedelta(seconds=80)


@pytest.mark.timeout(420)  # it waits for the first round's window and publication moment
async def test_a_pupil_left_unplaced_in_round_one_registers_in_round_two(
    start_services, start_portal, watched, smtp, tmp_path
):
    services = await start_services(
        "identity",
        "dossier",
        "notificatie",
        "loting",
        LOKET_REGION=REGION,
        LOKET_IDENTITY_PORTAL_URL=f"http://127.0.0.1:{start_services.planned['portaal']}",
    )
    r = Region(REGION, services, tmp_path / "var", smtp)
    try:
        pupil = await r.pupil(1, "vmbo_b", given_name="Yara")
        now = datetime.now(UTC)
        rounds = [RoundTimes(FIRST_CLOSES, FIRST_PUBLISHED), RoundTimes(timedelta(minutes=30), timedelta(hours=1))]
        (tmp_path / "procedure.toml").write_text(procedure_with_rounds(REGION, now, rounds, seats=0))
        aanmelding = await start_services(
            "aanmelding", LOKET_REGION=REGION, LOKET_AANMELDING_PROCEDURE_FILE=str(tmp_path / "procedure.toml")
        )
        r.url["aanmelding"] = aanmelding["aanmelding"].url
        portal = await start_portal({**services, **aanmelding}, port=start_services.planned["portaal"])
        await r.ready_for(pupil)
        programs = chosen_list(await r.helper("vmbo_b"))
        parent = await r.parent_token(pupil)
        await r.register(pupil, parent, programs)  # round 1, through the API: no seats anywhere

        await until(now + FIRST_CLOSES)
        await r.lottery("ronde-1")
        await until(now + FIRST_PUBLISHED)

        page = await (await watched(portal)).page()
        await page.goto("/")
        await page.fill("#username", pupil.elk_number)
        await page.fill("#password", PASSWORD)
        await submit(page)
        main = page.locator("main")
        await expect(main).to_contain_text("niet geplaatst")
        await expect(main).to_contain_text("2e ronde")
        await expect(main).to_contain_text("geen plaatsen")  # why: no seats at the schools of the list
        await submit(page)  # start the registration in round 2
        await expect(page).to_have_url(f"{portal}/registration/child")
        for _details in ("the child's", "the contact"):
            await page.check("#correct")
            await submit(page)
        for index, program in enumerate(programs):
            await page.select_option(f"#programs-{index}", program)
        await submit(page)
        await submit(page)  # no priority, no twins
        await page.fill("#signed_by", "Ouder van Yara")
        await submit(page)
        await expect(page).to_have_url(f"{portal}/registration/submitted")

        view = await r.call("aanmelding", "GET", f"/pupils/{pupil.id}/registration", parent)
        assert view["current"]["round"] == "ronde-2" and view["current"]["state"] == "submitted"
        assert [(earlier["round"], earlier["outcome"]) for earlier in view["history"]] == [("ronde-1", "not_placed")]
    finally:
        await r.close()
