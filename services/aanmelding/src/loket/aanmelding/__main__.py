from loket.contracts.runtime.cli import service_cli
from loket.aanmelding.app import build

main = service_cli("loket.aanmelding", build)

if __name__ == "__main__":
    main()
