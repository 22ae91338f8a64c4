"""Why a student got their outcome, in plain Dutch or English, from the market alone.

For every program the student listed above their outcome it names who held the last seat there and
with which rank key, next to the student's own key; and it shows the student's lot number with a
one-line command to recompute it, so that a parent (or their lawyer) needs to trust nothing.
"""

from dataclasses import dataclass

from loket.loting.domain.engine.market import Market
from loket.loting.domain.engine.mechanisms import Outcome, solve
from loket.loting.domain.engine.result import result_bytes


class ResultMismatch(ValueError):
    """The result file given is not what the market yields; explaining it would explain something false."""


@dataclass(frozen=True)
class Texts:
    placed: str
    unplaced: str
    no_preferences: str
    guaranteed: str
    lot_stb: str
    lot_group: str
    lot_mtb: str
    recompute: str
    key_order: str
    higher: str
    program_line: str
    no_seats: str
    none_left: str
    last_seat: str
    yours: str
    stage1: str
    stage2: str
    key: str
    key_lot: str
    key_guaranteed: str
    lot_here: str


NL = Texts(
    placed="Leerling {student}: geplaatst op {program}, {rank}e keuze.",
    unplaced="Leerling {student}: niet geplaatst.",
    no_preferences="Er zijn geen scholen opgegeven, dus er was niets te loten.",
    guaranteed=(
        "Deze leerling had al een plaats op {program} (plaatsverbeteraar); scholen lager op de lijst tellen niet mee."
    ),
    lot_stb="Lotnummer: {number} (één nummer voor alle scholen; een lager nummer gaat voor).",
    lot_group="Dit lotnummer geldt voor de hele groep {group} (meerlingen loten samen).",
    lot_mtb="Lotnummers: per school een eigen nummer (een lager nummer gaat voor), hieronder per school.",
    recompute="Zelf narekenen (Python 3): {command}",
    key_order=(
        "Een school zet leerlingen op volgorde van: eerst wie er al een plaats heeft, dan hogere voorrang, "
        "dan lager lotnummer, dan leerlingnummer."
    ),
    higher="Scholen hoger op de lijst:",
    program_line="{rank}. {program}:",
    no_seats="heeft geen plaatsen.",
    none_left="had na de schoolloting (ronde 1) geen plaatsen meer over.",
    last_seat="vol ({capacity} plaatsen); de laatste plaats ging naar {holder} met {holder_key}.",
    yours="Leerling {student} had daar {key}: later in de rij, dus geen plaats.",
    stage1="Ronde 1 (schoolloting onder wie deze school als eerste keuze had):",
    stage2="Ronde 2 (centrale loting, voorrang telt niet mee):",
    key="voorrang {priority}, lotnummer {number}",
    key_lot="lotnummer {number}",
    key_guaranteed="een gegarandeerde plaats",
    lot_here="Lotnummer bij deze school: {number}",
)

EN = Texts(
    placed="Student {student}: placed at {program}, choice {rank}.",
    unplaced="Student {student}: not placed.",
    no_preferences="No schools were listed, so there was nothing to draw.",
    guaranteed="This student already held a seat at {program}; schools lower on the list do not count.",
    lot_stb="Lot number: {number} (one number for every school; a lower number goes first).",
    lot_group="This lot number is shared by the whole group {group} (twins draw together).",
    lot_mtb="Lot numbers: one per school (a lower number goes first), listed per school below.",
    recompute="Recompute it yourself (Python 3): {command}",
    key_order=(
        "A school orders students by: first those who already hold a seat there, then higher priority, "
        "then lower lot number, then student id."
    ),
    higher="Schools higher on the list:",
    program_line="{rank}. {program}:",
    no_seats="has no seats.",
    none_left="had no seats left after the school lottery (stage 1).",
    last_seat="full ({capacity} seats); the last seat went to {holder} with {holder_key}.",
    yours="Student {student} had {key} there: later in line, so no seat.",
    stage1="Stage 1 (school lottery among those who listed this school first):",
    stage2="Stage 2 (central lottery, priorities do not count):",
    key="priority {priority}, lot number {number}",
    key_lot="lot number {number}",
    key_guaranteed="a guaranteed seat",
    lot_here="Lot number at this school: {number}",
)

LANGUAGES = {"nl": NL, "en": EN}


def explain(market: Market, published: bytes, student_id: str, lang: str = "nl") -> str:
    """Raises KeyError for an unknown student, ResultMismatch when `published` is not the market's result."""
    s = market.student_index(student_id)
    outcome = solve(market)
    if result_bytes(outcome) != published:
        raise ResultMismatch("the result file is not the result of this market (run `loting verify`)")
    return "\n".join(_lines(outcome, s, LANGUAGES[lang]))


def _lines(outcome: Outcome, s: int, t: Texts) -> list[str]:
    market = outcome.market
    student = market.student_ids[s]
    pairs = range(int(market.offsets[s]), int(market.offsets[s + 1]))
    held = int(outcome.pair[s])
    if held >= 0:
        program = market.program_ids[int(market.pair_program[held])]
        lines = [t.placed.format(student=student, program=program, rank=int(market.pair_rank[held]))]
    else:
        lines = [t.unplaced.format(student=student)]
    if not pairs:
        return [*lines, t.no_preferences]
    guaranteed = [j for j in pairs if market.pair_guaranteed[j]]
    if guaranteed:
        lines.append(t.guaranteed.format(program=market.program_ids[int(market.pair_program[guaranteed[0]])]))

    lines.append("")
    mtb = market.mechanism == "da-mtb"
    if mtb:
        lines.append(t.lot_mtb)
    else:
        lines.append(t.lot_stb.format(number=int(outcome.tiebreak[pairs[0]])))
        if market.groups[s] is not None:
            lines.append(t.lot_group.format(group=market.groups[s]))
        lines.append(t.recompute.format(command=_command(market, f"stb|{market.subjects[s]}")))
    lines.append(t.key_order)

    above = [j for j in pairs if held < 0 or j < held]
    if above:
        lines += ["", t.higher]
    for j in above:
        lines += _program_lines(outcome, s, j, t)
    return lines


def _program_lines(outcome: Outcome, s: int, j: int, t: Texts) -> list[str]:
    market = outcome.market
    p = int(market.pair_program[j])
    capacity = int(market.capacity[p])
    lines = [t.program_line.format(rank=int(market.pair_rank[j]), program=market.program_ids[p])]
    if market.mechanism == "da-mtb":
        message = f"mtb|{market.program_ids[p]}|{market.subjects[s]}"
        lines.append(t.lot_here.format(number=int(outcome.tiebreak[j])))
        lines.append(t.recompute.format(command=_command(market, message)))
    use_priority = True
    last = int(outcome.cutoff_pair[p])
    if market.mechanism == "first-choice-da-stb" and outcome.first_choice_cutoff_pair is not None:
        stage1 = bool(market.pair_rank[j] == 1)
        lines.append(t.stage1 if stage1 else t.stage2)
        if stage1:
            last = int(outcome.first_choice_cutoff_pair[p])
        elif capacity > 0 and last < 0:
            return _indent([*lines, t.none_left])
        use_priority = stage1
    if capacity == 0:
        return _indent([*lines, t.no_seats])
    holder = market.student_ids[int(market.pair_student[last])]
    holder_key = _key(outcome, last, t, use_priority)
    lines.append(t.last_seat.format(capacity=capacity, holder=holder, holder_key=holder_key))
    lines.append(t.yours.format(student=market.student_ids[s], key=_key(outcome, j, t, use_priority)))
    return _indent(lines)


def _indent(lines: list[str]) -> list[str]:
    return [lines[0], *(f"   {line}" for line in lines[1:])]


def _key(outcome: Outcome, j: int, t: Texts, use_priority: bool) -> str:
    market = outcome.market
    if market.pair_guaranteed[j]:
        return t.key_guaranteed
    number = int(outcome.tiebreak[j])
    if not use_priority:
        return t.key_lot.format(number=number)
    priority = market.priorities[int(market.pair_student[j])].get(market.program_ids[int(market.pair_program[j])], 0)
    return t.key.format(priority=priority, number=number)


def _command(market: Market, message: str) -> str:
    return (
        'python3 -c "import hmac; print(int.from_bytes(hmac.digest('
        f"bytes.fromhex('{market.seed_hex}'), '{message}'.encode(), 'sha256')[:8], 'big'))\""
    )
