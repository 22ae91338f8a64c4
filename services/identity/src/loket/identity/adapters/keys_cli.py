"""`loket-identity-keys`: look after identity's signing keys (see `tokens.py`).

`token` signs an access token straight from the key folder, for operators and demos (`make up`):
whoever can read the keys can sign tokens anyway; everyone else logs in.
"""

import argparse
import json
import sys
from collections.abc import Sequence

from loket.contracts.runtime.build_info import add_version
from loket.contracts.tokens import Role, Scope
from loket.identity.adapters.tokens import SigningKeys, TokenIssuer
from loket.identity.settings import IdentitySettings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="loket-identity-keys", description=__doc__.splitlines()[0])
    add_version(parser, "loket-identity")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("rotate", help="add a new signing key; it signs from now on, the old ones stay published")
    commands.add_parser("list", help="the kids of the keys in the folder, oldest first")
    commands.add_parser("jwks", help="print the public keys as identity publishes them")
    token = commands.add_parser("token", help="sign an access token (operators and demos)")
    token.add_argument("--role", choices=[role.value for role in Role], required=True)
    token.add_argument("--school", action="append", default=[], metavar="BRIN", help="a school in scope (repeatable)")
    token.add_argument("--board", help="the board in scope")
    token.add_argument("--subject", default="operator", help="whom the token names (default: operator)")
    args = parser.parse_args(argv)

    settings = IdentitySettings()
    keys = SigningKeys(settings.signing_keys_dir)
    if args.command == "rotate":
        print(f"new signing key {keys.rotate()} in {settings.signing_keys_dir}; it signs from now on")
    elif args.command == "list":
        for key in keys.all():
            print(key.kid)
    elif args.command == "jwks":
        print(json.dumps(keys.jwks(), indent=2))
    else:
        issuer = TokenIssuer(keys, issuer=settings.public_url, region=settings.region)
        scope = Scope(board=args.board, schools=tuple(s.upper() for s in args.school))
        print(issuer.issue(subject=args.subject, role=Role(args.role), scope=scope).token)
    return 0


def run() -> None:
    sys.exit(main())
