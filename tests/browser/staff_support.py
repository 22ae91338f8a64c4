"""Staff for the browser tests: accounts made as a region makes them (identity's invitation mail, the
password chosen), and signing in at the portal's login page with the code from their app.

    admin = await first_region_admin(region, services["identity"])  # region.admin is now its token
    member = await invite(region, "school_admin", "directie@school.example", school=SCHOOL)
    await log_in(page, member)
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import pyotp
from loket_test_support import eventually, text_of
from playwright.async_api import Page, expect
from portal_browser import submit
from region_support import PASSWORD, ROOT, Region, urlsplit_token


@dataclass
class StaffMember:
    email: str
    role: str
    id: str
    school: str | None = None
    groups: list[str] = field(default_factory=list)
    totp_secret: str | None = None
    used_code: str | None = None

    async def code(self) -> str:
        """The app's code now; a code already used waits for the next one (identity takes each once)."""
        assert self.totp_secret, f"{self.email} has no second factor"
        totp = pyotp.TOTP(self.totp_secret)
        code = totp.now()
        if code == self.used_code:  # the next 30-second window's code
            await asyncio.sleep(totp.interval - time.time() % totp.interval + 0.5)
            code = totp.now()
        self.used_code = code
        return code


async def invite(
    region: Region, role: str, email: str, *, school: str | None = None, groups: list[str] | None = None, **more: Any
) -> StaffMember:
    """The region's administrator (`first_region_admin` first) invites; the member follows the mail's link
    and chooses PASSWORD; a role that must have a second factor enrols it (its secret kept here, as in the
    member's app)."""
    body = {"email": email, "role": role, "school": school, "groups": groups or [], **more}
    before = len(region.smtp.inbox.to(email))
    made = await region.call("identity", "POST", "/staff", region.admin, json=body)
    member = StaffMember(email, role, str(made["id"]), school, list(groups or []))
    await _accepted(region, member, before)
    return member


async def first_region_admin(region: Region, identity: Any) -> StaffMember:
    """The region's first administrator, invited by the operator's command line (`loket.identity
    invite-admin`), as a new region begins; `region.admin` becomes its token. identity acts only for a real
    account, so staff are invited by this one, not by a token a test signs."""
    email = "regio@loket.example"
    before = len(region.smtp.inbox.to(email))
    await invite_admin(identity, email)
    member = StaffMember(email, "region_admin", "")
    token = await _accepted(region, member, before)
    region.admin = {"Authorization": f"Bearer {token}"}
    return member


async def invite_admin(identity: Any, email: str) -> None:
    """`loket.identity invite-admin EMAIL`, as the operator runs it beside the service: with the running
    identity's own settings (its database, region and the key that seals the mailed link)."""
    command = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "loket.identity", "invite-admin", email, cwd=ROOT, env=identity.env
    )
    assert await command.wait() == 0


async def _accepted(region: Region, member: StaffMember, mails_before: int) -> str:
    """The invitation in the mail accepted, the second factor enrolled where the role needs one; the
    member's first access token."""

    async def mail() -> Any:
        found = region.smtp.inbox.to(member.email)
        return found[-1] if len(found) > mails_before else None

    message = await eventually(mail, within=60, what=f"the invitation to {member.email}")
    link = next(word for word in text_of(message).split() if "/invitation/" in word)
    identity = region.url["identity"]
    form = {"password": PASSWORD, "password_repeat": PASSWORD}
    accepted = await region.client.post(
        f"{identity}/invitation/{urlsplit_token(link)}", data=form, headers={"Accept": "application/json"}
    )
    assert accepted.status_code < 300, accepted.text
    credentials = {"username": member.email, "password": PASSWORD}
    answer = await region.client.post(f"{identity}/login", json=credentials)
    if answer.status_code == 401 and answer.json().get("totp_secret"):
        member.totp_secret = answer.json()["totp_secret"]
        answer = await region.client.post(f"{identity}/login", json={**credentials, "totp_code": await member.code()})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


async def log_in(page: Page, member: StaffMember) -> None:
    """At the portal's login page, as the member types it; ends on the member's start page."""
    await page.goto("/login")
    await page.fill("#username", member.email)
    await page.fill("#password", PASSWORD)
    await submit(page)
    if member.totp_secret:
        await expect(page.locator("#totp_code")).to_be_visible()
        await page.fill("#password", PASSWORD)
        await page.fill("#totp_code", await member.code())
        await submit(page)
    await expect(page.locator("nav.staff-nav")).to_be_visible()
