"""An attachment's file name is the school's to choose, so anything may be in it: its download still
carries one valid RFC 6266 header, an ASCII `filename` and the exact name in `filename*`, and nothing more."""

import re
from email.message import Message
from email.utils import collapse_rfc2231_value

from dossier_support import Dossier, world

SERVICE = "dossier"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
RFC_6266 = re.compile(
    r"^attachment; filename=\"[A-Za-z0-9._()+ -]+\"; filename\*=UTF-8''(?:[A-Za-z0-9!#$&+.^_`|~-]|%[0-9A-F]{2})+$"
)


async def test_a_name_with_quotes_semicolons_and_any_script_downloads_under_a_valid_header(dossier: Dossier):
    the_world = await world(dossier)
    teacher = dossier.school_user(groups=("8a",))
    name = 'Verslag "groep 8"; filename=evil.exe; Zoë 日本語 €.png'

    added = await dossier.client.post(
        f"/pupils/{the_world.noor}/oki-doc/attachments",
        content=PNG,
        params={"file_name": name},
        headers={**teacher, "Content-Type": "image/png"},
    )
    got = await dossier.call("GET", f"/pupils/{the_world.noor}/oki-doc/attachments/{added.json()['id']}", teacher)

    assert added.status_code == 201 and added.json()["file_name"] == name
    header = got.headers["content-disposition"]
    assert got.status_code == 200 and RFC_6266.match(header), header
    message = Message()
    message["Content-Disposition"] = header
    (kind, _), (_, fallback), (_, exact) = message.get_params(header="content-disposition")
    assert (kind, fallback) == ("attachment", "Verslag _groep 8_ filename_evil.exe_ Zoe.png")
    assert isinstance(exact, tuple) and collapse_rfc2231_value(exact) == name  # filename*, decoded
