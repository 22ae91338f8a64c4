from loket.contracts.runtime.cli import service_cli
from loket.loting.app import build

main = service_cli("loket.loting", build)

if __name__ == "__main__":
    main()
