"""Language identification: lingua alone against the engine's rule (function words first, lingua for the rest).

Reads the own evaluation set and the Dutch and English texts of the public data sets (../shared/data or
--data; see its README.md for the licences): XED subtitles (en, nl), xSID (nl and its English
originals), Bitext, BANKING77 and CLINC150 (en), the e-mail fixtures in fifteen languages, and the project's
short messages in seventeen other languages (tests/data/other_languages.tsv). For each set:
how many texts the function words decide, how often that agrees with lingua, and the accuracy of lingua
alone and of the engine's rule against the set's language. Texts are read alone, without a customer's
known language.

    python bench/language.py [--data ../shared/data] [--detector lingua]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from humantouch.evaluation.own import load_cases
from humantouch.language import clear_language, decide_language, load_detector
from humantouch.text import normalize, tokenize

Rows = list[tuple[str, str]]  # (text, language)


def _tsv_texts(path: Path) -> list[str]:
    return [line.split("\t")[0] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def public_sets(data: Path) -> Iterator[tuple[str, Rows]]:
    yield "xed-en", [(t, "en") for t in _tsv_texts(data / "xed-emotion" / "en-annotated.tsv")]
    yield "xed-nl", [(t, "nl") for t in _tsv_texts(data / "xed-emotion" / "nl-projections.tsv")]
    xsid = [
        json.loads(line)
        for name in ("nl.test.jsonl", "nl.valid.jsonl")
        for line in (data / "xsid-nl" / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    yield "xsid-nl", [(r["text"], "nl") for r in xsid]
    yield "xsid-en", [(r["text_en"], "en") for r in xsid]
    with (data / "bitext-customer-support" / "bitext_customer_service_8k.csv").open(encoding="utf-8-sig") as f:
        yield "bitext-en", [(r["utterance"], "en") for r in csv.DictReader(f)]
    with (data / "banking77" / "test.csv").open(encoding="utf-8") as f:
        yield "banking77-en", [(r["text"], "en") for r in csv.DictReader(f)]
    clinc = json.loads((data / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    yield "clinc150-en", [(t, "en") for t, _ in clinc["test"] + clinc["oos_test"]]
    fixtures = json.loads((data / "email-fixtures" / "manifest.json").read_text(encoding="utf-8"))["fixtures"]
    yield (
        "emails",
        [
            ((data / "email-fixtures" / f["input"]).read_text(encoding="utf-8", errors="replace"), f["language"])
            for f in fixtures
        ],
    )


def measure(name: str, rows: Rows, detector: str) -> dict[str, object]:
    lingua = load_detector(detector)
    decided = agree = decided_right = right_alone = right_rule = wrong_where_lingua_right = 0
    for text, gold in rows:
        tokens = tokenize(normalize(text))
        alone = decide_language(lingua.detect(text), tokens, None)[0]
        clear = clear_language(tokens)
        rule = clear if clear is not None else alone
        if clear is not None:
            decided += 1
            agree += clear == alone
            decided_right += clear == gold
            wrong_where_lingua_right += clear != gold and alone == gold
        right_alone += alone == gold
        right_rule += rule == gold
    n = len(rows)
    return {
        "set": name,
        "texts": n,
        "decided_by_function_words": round(decided / n, 3),
        "agreement_with_lingua": round(agree / decided, 4) if decided else None,
        "function_words_accuracy": round(decided_right / decided, 4) if decided else None,
        "accuracy_lingua": round(right_alone / n, 4),
        "accuracy_engine": round(right_rule / n, 4),
        "function_words_wrong_where_lingua_right": wrong_where_lingua_right,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("HUMANTOUCH_DATA_DIR", "../shared/data")))
    parser.add_argument("--detector", default="lingua", help="lingua (accurate profile) or lingua-low (fast)")
    args = parser.parse_args()
    sets: list[tuple[str, Rows]] = [("own", [(c.record["text"], str(c.record["lang"])) for c in load_cases()])]
    # 27 short service messages in 17 other languages, written for the project (tests/data).
    other = Path(__file__).resolve().parent.parent / "tests" / "data" / "other_languages.tsv"
    sets.append(
        ("other-languages", [(t, g) for g, t in (line.split("\t") for line in other.read_text("utf-8").splitlines())])
    )
    if args.data.is_dir():
        sets.extend(public_sets(args.data))
    else:
        print(f"no public data at {args.data}: pass --data DIR (the own set only)", file=sys.stderr)
    for name, rows in sets:
        print(json.dumps(measure(name, rows, args.detector)), flush=True)


if __name__ == "__main__":
    main()
