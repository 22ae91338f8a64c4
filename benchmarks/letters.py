"""Print 1,000 placement letters with notificatie's `Printer` in batches; print the figures as markdown.

uv run python benchmarks/letters.py                     # 1,000 letters in batches of 200
uv run python benchmarks/letters.py --letters 400 --batch 100

Each batch is one `HTML(...).render()` with the Printer's one FontConfiguration and stylesheet, then a
PDF of its own per letter (`Printer.pdfs`). For comparison it also times letters printed one at a
time with a fresh Printer each (what a naive loop does), and a batch written as one PDF for printing.
Figures are printed, never asserted: they belong to the machine (printed too, with its load average).
"""

import argparse
import os
import platform
import subprocess
import time
from datetime import date
from pathlib import Path

import weasyprint  # type: ignore[import-untyped]

from loket.notificatie.adapters.letters.rendering import Letter, Printer

ROOT = Path(__file__).resolve().parent.parent
LOAD_AT_START = os.getloadavg()[0]
FIRST_NAMES = ("Noor", "Daan", "Sem", "Emma", "Liam", "Julia", "Mila", "Finn", "Zoë", "Ayoub", "Eliška", "Ştefan")
FAMILY_NAMES = ("de Vries", "Jansen", "El Amrani", "Yılmaz", "van den Berg", "Bakker", "Nguyễn", "Kowalski")
SCHOOLS = ("12AB01", "34CD02")  # the first has its own template and logo


def letters(count: int) -> list[Letter]:
    made = []
    for n in range(count):
        pupil = f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {FAMILY_NAMES[n % len(FAMILY_NAMES)]}"
        fields = {
            "school_name": "Lindeschool",
            "school_address": ["Lindelaan 1", "2500 AA Den Haag"],
            "parent_name": f"familie {FAMILY_NAMES[n % len(FAMILY_NAMES)]}",
            "address": [f"Kerkstraat {n + 1}", "2500 AB Den Haag"],
            "pupil_name": pupil,
            "pupil_birth_date": date(2014, 1 + n % 12, 1 + n % 28),
            "case_reference": f"OT-{40000 + n}",
            "lower_preference": n % 5 == 0,
            "signatory_name": "J. Jansen",
            "signatory_role": "directeur",
        }
        made.append(Letter("placement_letter", fields, SCHOOLS[n % 2], reference=f"OT-{40000 + n}"))
    return made


def machine() -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in lines if "model name" in line), platform.processor() or "?")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    ).stdout.strip()
    return (
        f"- {cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, WeasyPrint {weasyprint.__version__}\n"
        f"- commit {commit or '?'}; load average {LOAD_AT_START:.2f} at the start, {os.getloadavg()[0]:.2f} at the end"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--alone", type=int, default=10, help="letters printed one at a time, for comparison")
    args = parser.parse_args()
    today = date(2027, 4, 15)
    todo = letters(args.letters)

    started = time.perf_counter()
    printer = Printer(sender="Loket benchmark")
    setup = time.perf_counter() - started
    sizes = 0
    render = split = 0.0
    for start in range(0, len(todo), args.batch):
        batch = todo[start : start + args.batch]
        t0 = time.perf_counter()
        document = printer._render(batch, today)  # the layout alone, to split the figure in two
        t1 = time.perf_counter()
        pdfs = printer.pdfs(batch, today=today)
        t2 = time.perf_counter()
        render += t1 - t0
        split += (t2 - t1) - (t1 - t0)  # pdfs() lays out again: what remains is writing the PDFs
        sizes += sum(len(pdf) for pdf in pdfs)
        assert len(document.pages) >= len(batch)
    batched = setup + render + split

    t0 = time.perf_counter()
    printer.batch_pdf(todo[: args.batch], today=today)
    one_pdf = time.perf_counter() - t0

    t0 = time.perf_counter()
    for letter in todo[: args.alone]:
        Printer().pdf(letter, today=today)
    alone = (time.perf_counter() - t0) / args.alone

    count = len(todo)
    print(f"# Letters: {count} placement letters, batches of {args.batch}\n")
    print(machine() + "\n")
    rows = [
        (
            "**batched, a PDF per letter** (setup, layout, writing)",
            f"{batched:.1f} s",
            batched / count,
            count / batched,
        ),
        ("of which: the Printer's setup (fonts, stylesheet), once", f"{setup:.2f} s", None, None),
        ("of which: layout (`render`)", f"{render:.1f} s", render / count, None),
        ("of which: writing the PDFs (font subsets)", f"{split:.1f} s", split / count, None),
        (
            f"one batch of {args.batch} as one PDF, for printing",
            f"{one_pdf:.1f} s",
            one_pdf / args.batch,
            args.batch / one_pdf,
        ),
        (f"one at a time, a fresh Printer each ({args.alone} letters)", "", alone, 1 / alone),
    ]
    print("| what | total | per letter | letters/s |")
    print("|---|---:|---:|---:|")
    for what, total, each, rate in rows:
        per = f"{each * 1000:.0f} ms" if each is not None else ""
        print(f"| {what} | {total} | {per} | {f'{rate:.1f}' if rate is not None else ''} |")
    print(
        f"\nAverage PDF: {sizes / count / 1024:.1f} KiB. Target: at least 20 letters/s batched: "
        f"**{'met' if count / batched >= 20 else 'missed'}**."
    )


if __name__ == "__main__":
    main()
