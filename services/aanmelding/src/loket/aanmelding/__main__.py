from loket.aanmelding.app import build
from loket.contracts.runtime.cli import service_cli

main = service_cli("loket.aanmelding", build)

if __name__ == "__main__":
    main()
