from loket.contracts.runtime.cli import service_cli
from loket.dossier.app import build

main = service_cli("loket.dossier", build)

if __name__ == "__main__":
    main()
