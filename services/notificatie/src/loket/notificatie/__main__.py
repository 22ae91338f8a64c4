from loket.contracts.runtime.cli import service_cli
from loket.notificatie.app import build

main = service_cli("loket.notificatie", build)

if __name__ == "__main__":
    main()
