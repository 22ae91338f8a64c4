from loket.contracts.runtime.cli import service_cli
from loket.identity.app import build

main = service_cli("loket.identity", build)

if __name__ == "__main__":
    main()
