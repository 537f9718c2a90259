"""``python -m chalicelib.triage``: list protocols, check the library, run a triage in the terminal or as JSONL."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import IO

from chalicelib.triage import core
from chalicelib.triage.analysis import reachability
from chalicelib.triage.answers import UNKNOWN_WORDS
from chalicelib.triage.cases import run_all
from chalicelib.triage.engine import (
    Step,
    TriageContext,
    TriageState,
    answer,
    back,
    complaint_options,
    next_step,
    outcome,
    start,
)
from chalicelib.triage.errors import InvalidAnswer, NothingToUndo, ProtocolLoadError
from chalicelib.triage.library import COMPILED, Library, compile_library, load_library, source_digest
from chalicelib.triage.outcome import CRISIS_ADVICE_ID, PRIORITY_LABELS, TriageOutcome
from chalicelib.triage.protocol import QuestionKind
from chalicelib.triage.text import Lang, LocalizedText


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.triage", description="Nära triage engine")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("list", "list the protocols"),
        ("check", "validate protocols and advice, run every clinical test case and the static checks"),
        ("run", "run a triage interactively (or as JSON lines with --jsonl)"),
        ("table", "print the protocol table for docs/triage.md (Markdown)"),
        ("compile", "write compiled.json, the fast-loading snapshot of the validated library"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("--dir", help="library directory (default: the packaged protocols and advice)")
        if name in ("list", "run"):
            cmd.add_argument("--lang", choices=["sv", "en"], default="sv")
        if name == "run":
            cmd.add_argument("--jsonl", action="store_true", help="one JSON object per line on stdin and stdout")
            cmd.add_argument("--free-text", help="the citizen's own description (scanned for red-flag terms)")
            cmd.add_argument("--now", help="ISO time to start at (default: the current time)")
    return parser


def main(argv: Sequence[str] | None = None, stdin: IO[str] | None = None, stdout: IO[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out = stdout or sys.stdout
    inp = stdin or sys.stdin
    if args.command == "check":
        return check(args.dir, out)
    try:
        library = load_library(args.dir)
    except ProtocolLoadError as exc:
        for issue in exc.issues:
            print(f"error: {issue}", file=out)
        return 2
    if args.command == "list":
        for p in library.current():
            print(f"{p.id:<20} {p.version:<8} {p.title.get(args.lang)}", file=out)
        return 0
    if args.command == "table":
        print(protocol_table(library), file=out)
        return 0
    if args.command == "compile":
        target = Path(args.dir or str(resources.files("chalicelib.triage"))) / COMPILED
        target.write_text(compile_library(library, source_digest(args.dir)) + "\n", encoding="utf-8")
        print(f"wrote {target} ({len(library.protocols)} protocols, {len(library.advice)} advice articles)", file=out)
        return 0
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    state = start(library, now=now, lang=args.lang, context=TriageContext(free_text=args.free_text))
    if args.jsonl:
        return run_jsonl(library, state, inp, out)
    return run_interactive(library, state, inp, out)


# -- check --------------------------------------------------------------------------------------------------


def check(directory: str | None, out: IO[str]) -> int:
    """Validate everything, run every clinical test case and the static checks; last line 'N passed, M failed'."""
    try:
        library = load_library(directory)
    except ProtocolLoadError as exc:
        for issue in exc.issues:
            print(f"FAIL {issue}", file=out)
        print(f"0 passed, {len(exc.issues)} failed", file=out)
        return 1
    passed = failed = 0
    results = run_all(library)
    for result in results:
        if result.passed:
            passed += 1
            print(f"ok   {result.label}", file=out)
        else:
            failed += 1
            print(f"FAIL {result.label}", file=out)
            for problem in result.problems:
                print(f"     {problem}", file=out)
    for protocol in library.current():
        problems: list[str] = []
        decided = {r.decision.decided_by for r in results if r.protocol is protocol and r.decision is not None}
        for target in [*(r.id for r in protocol.rules), "default"]:
            if target not in decided:
                problems.append(f"no test case is decided by '{target}'")
        report = reachability(library, protocol)
        problems += [f"unreachable: {t}" for t in report.unreachable]
        problems += [f"search budget ran out for: {t}" for t in report.undecided]
        label = f"{protocol.ref} :: static checks (reachability, every rule and the default tested)"
        if problems:
            failed += 1
            print(f"FAIL {label}", file=out)
            for problem in problems:
                print(f"     {problem}", file=out)
        else:
            passed += 1
            print(f"ok   {label}", file=out)
    if CRISIS_ADVICE_ID not in library.advice and directory is None:
        failed += 1
        print(f"FAIL advice/{CRISIS_ADVICE_ID}.yaml is missing (shown with every crisis_info outcome)", file=out)
    used = {o.advice_id for p in library.current() for o in (*(r.outcome for r in p.rules), p.default_outcome)}
    for advice_id in sorted(set(library.advice) - used - {CRISIS_ADVICE_ID}):
        print(f"warning: advice/{advice_id}.yaml is not used by any protocol", file=out)
    print(f"{passed} passed, {failed} failed", file=out)
    return 0 if failed == 0 else 1


def protocol_table(library: Library) -> str:
    """The Markdown table of protocols in docs/triage.md (a test keeps the docs in sync with this)."""
    lines = [
        "| id | version | title (sv / en) | offered to | sources |",
        "|---|---|---|---|---|",
    ]
    for p in library.current():
        a = p.applies_to
        low = f"{a.min_age_months} mo" if a.min_age_months < 24 else f"{a.min_age_months // 12} y"
        sources = "; ".join(
            (f"[{s.title}]({s.url})" if s.url else s.title) + (f" ({s.publisher})" if s.publisher else "")
            for s in p.sources
        )
        lines.append(
            f"| `{p.id}` | {p.version} | {p.title.sv} / {p.title.en} | {low} – {a.max_age_years} y | {sources} |"
        )
    return "\n".join(lines)


# -- run ----------------------------------------------------------------------------------------------------


def _emit(out: IO[str], data: dict[str, object]) -> None:
    out.write(json.dumps(data, ensure_ascii=False) + "\n")
    out.flush()


_NO_MATCH = LocalizedText(
    sv="Inget besvär matchade. Välj i listan eller skriv med andra ord.",
    en="No complaint matched. Choose from the list or try other words.",
)


def _wants_search(step: Step, value: object) -> bool:
    """Free text on the complaint step (not an option id, not "don't know") searches the complaints."""
    return (
        step.id == core.COMPLAINT.id
        and isinstance(value, str)
        and value not in {o.id for o in step.options}
        and value.strip().casefold() not in UNKNOWN_WORDS
    )


def run_jsonl(library: Library, state: TriageState, inp: IO[str], out: IO[str]) -> int:
    lang: Lang = state.lang
    shown: Step | None = None  # the step as last shown (the complaint step may be narrowed by a search)
    while True:
        step = next_step(state, library=library)
        if step is None:
            result = outcome(state, library=library)
            assert result is not None
            _emit(out, {"type": "outcome", **result.model_dump(mode="json")})
            return 0
        if shown is None or shown.id != step.id:
            shown = step
        _emit(out, shown.render(lang))
        line = inp.readline()
        if not line:
            return 1
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            _emit(out, {"type": "error", "message": "Ogiltig JSON." if lang == "sv" else "Invalid JSON."})
            continue
        if not isinstance(message, dict) or not ({"answer", "back"} & set(message)):
            text = (
                'Skicka {"answer": ...} eller {"back": true}.'
                if lang == "sv"
                else 'Send {"answer": ...} or {"back": true}.'
            )
            _emit(out, {"type": "error", "message": text})
            continue
        if message.get("back"):
            try:
                state = back(state)
            except NothingToUndo:
                _emit(
                    out,
                    {"type": "error", "message": "Det finns inget att ångra." if lang == "sv" else "Nothing to undo."},
                )
            shown = None
            continue
        value = message["answer"]
        if _wants_search(step, value):
            assert isinstance(value, str)
            narrowed = complaint_options(state, value, library=library)
            if len(narrowed.options) > 1:
                shown = narrowed
            else:
                _emit(out, {"type": "error", "message": _NO_MATCH.get(lang)})
                shown = step
            continue
        try:
            state = answer(state, step.id, value, library=library)
        except InvalidAnswer as exc:
            _emit(out, {"type": "error", "message": exc.message.get(lang)})
            continue
        shown = None


def _ask(inp: IO[str], out: IO[str]) -> str | None:
    out.write("> ")
    out.flush()
    line = inp.readline()
    return None if not line else line.strip()


def _parse_interactive(step: Step, text: str) -> object:
    """Numbers pick options (1-based); '?' is don't know; several options are separated by commas."""
    if text == "?":
        return "unknown"
    if step.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.YES_NO) and text.isdigit():
        index = int(text) - 1
        return step.options[index].id if 0 <= index < len(step.options) else text
    if step.kind is QuestionKind.MULTIPLE_CHOICE:
        picked: list[str] = []
        for part in (p.strip() for p in text.split(",") if p.strip()):
            if part.isdigit() and 0 < int(part) <= len(step.options):
                picked.append(step.options[int(part) - 1].id)
            else:
                picked.append(part)
        return picked
    return text


def run_interactive(library: Library, state: TriageState, inp: IO[str], out: IO[str]) -> int:
    lang: Lang = state.lang
    sv = lang == "sv"
    print(
        "Svara med siffra eller text. ? = vet ej, < = tillbaka."
        if sv
        else "Answer with a number or text. ? = don't know, < = back.",
        file=out,
    )
    shown: Step | None = None
    while True:
        step = next_step(state, library=library)
        if step is None:
            result = outcome(state, library=library)
            assert result is not None
            _print_outcome(library, result, lang, out)
            return 0
        if shown is None or shown.id != step.id:
            shown = step
        print("", file=out)
        print(shown.text.get(lang), file=out)
        if shown.help:
            print(f"  ({shown.help.get(lang)})", file=out)
        for i, option in enumerate(shown.options, 1):
            print(f"  {i}. {option.text.get(lang)}", file=out)
        if shown.kind is QuestionKind.MULTIPLE_CHOICE:
            print(
                "  (flera med kommatecken, tomt = inget)" if sv else "  (several with commas, empty = none)", file=out
            )
        if shown.kind is QuestionKind.NUMBER:
            unit = f" {shown.unit.get(lang)}" if shown.unit else ""
            print(f"  [{shown.min:g}–{shown.max:g}{unit}]", file=out)
        text = _ask(inp, out)
        if text is None:
            return 1
        if text == "<":
            try:
                state = back(state)
            except NothingToUndo:
                print("Det finns inget att ångra." if sv else "Nothing to undo.", file=out)
            shown = None
            continue
        value = _parse_interactive(shown, text)
        if _wants_search(step, value):
            assert isinstance(value, str)
            narrowed = complaint_options(state, value, library=library)
            if len(narrowed.options) > 1:
                shown = narrowed
            else:
                print(_NO_MATCH.get(lang), file=out)
                shown = step
            continue
        try:
            state = answer(state, step.id, value, library=library)
        except InvalidAnswer as exc:
            print(exc.message.get(lang), file=out)
            continue
        shown = None


def _print_outcome(library: Library, result: TriageOutcome, lang: Lang, out: IO[str]) -> None:
    sv = lang == "sv"
    print("", file=out)
    if result.priority is not None:
        print(
            f"{'Prioritet' if sv else 'Priority'}: {result.priority} {PRIORITY_LABELS[result.priority].get(lang)}",
            file=out,
        )
    print(f"{'Hänvisning' if sv else 'Disposition'}: {result.disposition} ({result.profession})", file=out)
    print(f"{'Förklaring' if sv else 'Explanation'}: {result.explanation.get(lang)}", file=out)
    for flag in result.red_flags:
        print(f"  {'röd flagga' if sv else 'red flag'}: {flag.rule_id} {flag.answers}", file=out)
    for ft in result.free_text_flags:
        negated = (" (negerad)" if sv else " (negated)") if ft.negated else ""
        print(f"  {'fritext' if sv else 'free text'}: {ft.category} '{ft.matched}'{negated}", file=out)
    for advice_id in (result.advice_id, CRISIS_ADVICE_ID if result.crisis_info else None):
        article = library.advice.get(advice_id) if advice_id else None
        if article is not None:
            print("", file=out)
            print(article.title.get(lang), file=out)
            for part in (article.body.what_to_do, article.body.what_to_expect, article.body.seek_care_again):
                print(part.get(lang).rstrip(), file=out)
