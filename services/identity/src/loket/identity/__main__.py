from loket.contracts.runtime.cli import service_cli
from loket.identity.app import build
from loket.identity.bootstrap import INVITE_ADMIN

main = service_cli("loket.identity", build, {"invite-admin": INVITE_ADMIN})

if __name__ == "__main__":
    main()
