"""The theme model on its own: accuracy, calibration, speed, and how it reads unseen texts.

Usage (from the repo root)::

    python bench/theme_model.py             # cross-validation, authors left out, guard, blind sets
    python bench/theme_model.py --compare   # also a multinomial logistic regression (slow)

Figures:

* 5-fold stratified cross-validated accuracy, macro-F1 and Brier score on the whole corpus
  (Brier: mean squared error of the probability vector against the one-hot truth, lower is
  better; with and without temperature scaling);
* each corpus author left out in turn (fitted on the four others): how the model reads a voice
  it never saw;
* the hard negatives: share read in their real theme, and share fooled into the decoy theme;
* the guard split (never fitted; what a refit must not do worse on) and the blind sets' needs
  and offers (never used to choose anything);
* fit time and reading speed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from bench._evalsets import BLIND, load_set  # noqa: E402
from matching.taxonomy import in_guard_split, load_corpus  # noqa: E402
from matching.themes import ThemeModel, fit_default_model, guard_accuracy  # noqa: E402


class LogisticThemeModel(ThemeModel):
    """The same features with a multinomial logistic regression (for --compare only)."""

    def _classifier(self) -> LogisticRegression:  # type: ignore[override]
        return LogisticRegression(C=10.0, max_iter=2000)


def brier(model: ThemeModel, texts: list[str], labels: list[str], temperature: float) -> float:
    """Mean squared error of the probability vectors at a given temperature."""
    keep = model.temperature_
    model.temperature_ = temperature
    try:
        proba = model.predict_proba(texts)
    finally:
        model.temperature_ = keep
    truth = (model.classes_[None, :] == np.asarray(labels, dtype=object)[:, None]).astype(float)
    return float(np.mean(((proba - truth) ** 2).sum(axis=1)))


def cross_validation(model: ThemeModel, folds: int = 5) -> dict[str, float]:
    corpus = load_corpus()
    texts = np.asarray([e.text for e in corpus], dtype=object)
    labels = np.asarray([e.theme for e in corpus], dtype=object)
    out: dict[str, list[float]] = {"accuracy": [], "macro_f1": [], "brier": [], "brier_t1": []}
    fit_s = []
    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    for train, test in splitter.split(texts, labels):
        started = time.perf_counter()
        fitted = clone(model).fit(list(texts[train]), list(labels[train]))
        fit_s.append(time.perf_counter() - started)
        predicted = fitted.predict(list(texts[test]))
        out["accuracy"].append(float(np.mean(predicted == labels[test])))
        out["macro_f1"].append(float(f1_score(labels[test], predicted, average="macro")))
        out["brier"].append(
            brier(fitted, list(texts[test]), list(labels[test]), fitted.temperature_)
        )
        out["brier_t1"].append(brier(fitted, list(texts[test]), list(labels[test]), 1.0))
    result = {k: float(np.mean(v)) for k, v in out.items()}
    result["fit_s"] = statistics.median(fit_s)
    return result


def authors_left_out(model: ThemeModel) -> list[tuple[str, int, float]]:
    corpus = load_corpus()
    out = []
    for author in sorted({e.source for e in corpus}):
        train = [e for e in corpus if e.source != author]
        test = [e for e in corpus if e.source == author]
        fitted = clone(model).fit([e.text for e in train], [e.theme for e in train])
        predicted = fitted.predict([e.text for e in test])
        accuracy = float(np.mean(predicted == np.asarray([e.theme for e in test], dtype=object)))
        out.append((author, len(test), accuracy))
    return out


def hard_negatives(model: ThemeModel) -> tuple[int, float]:
    """Guard-split hard negatives (never fitted): share read in their real theme."""
    found = [e for e in load_corpus() if e.hard_negative and in_guard_split(e.text)]
    if not found:
        return 0, float("nan")
    predicted = model.predict([e.text for e in found])
    return len(found), float(
        np.mean(predicted == np.asarray([e.theme for e in found], dtype=object))
    )


def blind_reading(model: ThemeModel) -> list[tuple[str, str, int, float]]:
    out = []
    for name in BLIND:
        data = load_set(name)
        needs = [(n.text, data.need_theme[p.id]) for p in data.profiles for n in p.needs]
        offers = [(o, data.need_theme[p.id]) for p in data.profiles if p.is_coach for o in p.offers]
        for kind, pairs in (("needs", needs), ("offers", offers)):
            predicted = model.predict([t for t, _ in pairs])
            truth = np.asarray([label for _, label in pairs], dtype=object)
            out.append((name, kind, len(pairs), float(np.mean(predicted == truth))))
    return out


def speed(model: ThemeModel) -> tuple[float, float]:
    corpus = load_corpus()
    texts = [e.text for e in corpus] * 4
    started = time.perf_counter()
    model.distributions(texts)
    per_thousand = (time.perf_counter() - started) / len(texts) * 1000
    started = time.perf_counter()
    fit_default_model()
    return per_thousand, time.perf_counter() - started


def report(name: str, model: ThemeModel) -> None:
    print(f"\n## {name}\n")
    cv = cross_validation(model)
    print(
        "| 5-fold CV | accuracy | macro-F1 | Brier (calibrated) | Brier (T = 1) | fit s (median) |"
    )
    print("|---|---|---|---|---|---|")
    print(
        f"| corpus ({len(load_corpus())} sentences) | {cv['accuracy']:.3f} | {cv['macro_f1']:.3f} "
        f"| {cv['brier']:.3f} | {cv['brier_t1']:.3f} | {cv['fit_s']:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--compare", action="store_true", help="also fit a logistic regression")
    args = parser.parse_args()
    print("# Theme model")
    report("LinearSVC + temperature (the service's model)", ThemeModel())
    if args.compare:
        report("multinomial logistic regression, same features", LogisticThemeModel())
    model = fit_default_model()
    print(f"\ntemperature {model.temperature_:.3f}; guard accuracy {guard_accuracy(model):.3f}")
    print("\n## Each author left out (fitted on the others)\n")
    print("| author left out | sentences | accuracy |")
    print("|---|---|---|")
    for author, n, accuracy in authors_left_out(ThemeModel()):
        print(f"| {author} | {n} | {accuracy:.3f} |")
    n, share = hard_negatives(model)
    print(f"\nhard negatives of the guard split read in their real theme: {share:.3f} (n={n})")
    print("\n## Blind sets (reporting only)\n")
    print("| set | texts | n | accuracy |")
    print("|---|---|---|---|")
    for name, kind, n, accuracy in blind_reading(model):
        print(f"| {name} | {kind} | {n} | {accuracy:.3f} |")
    per_thousand, fit_s = speed(model)
    print(f"\nreading: {per_thousand * 1000:.0f} ms per 1,000 texts; full fit {fit_s:.1f} s")


if __name__ == "__main__":
    main()
