"""The checks every robustness measurement is printed with (Carlini et al., 2019, "On
evaluating adversarial robustness"): a curve that fails one is not to be trusted."""

from __future__ import annotations

from dataclasses import dataclass

from cnnlab.attack.robustness import Robustness


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str  # the numbers the verdict rests on


def sanity_checks(result: Robustness) -> list[Check]:
    """eps 0 equals clean accuracy exactly; accuracy never rises with eps; PGD is at least
    as strong as FGSM; neither random noise nor a transferred attack beats the white-box
    attack (if one does, the model's gradient is likely masked)."""
    rows = result.rows
    zero = rows[0]
    checks = [
        Check(
            "eps 0 equals clean accuracy",
            zero.eps == 0 and zero.accuracy == result.clean_accuracy,
            f"eps 0: {zero.accuracy:.4f}, clean: {result.clean_accuracy:.4f}",
        )
    ]
    rises = [(a, b) for a, b in zip(rows, rows[1:], strict=False) if b.accuracy > a.accuracy]
    shown = "; ".join(
        f"{a.eps:g}: {a.accuracy:.4f} < {b.eps:g}: {b.accuracy:.4f}" for a, b in rises
    )
    checks.append(
        Check(
            "accuracy never rises with eps",
            not rises,
            shown or "non-increasing",
        )
    )
    if result.spec.method == "pgd":
        weaker = [r for r in rows if r.accuracy > r.by_attack["fgsm-ce"]]
        checks.append(
            Check(
                "PGD at least as strong as FGSM",
                not weaker,
                "; ".join(
                    f"eps {r.eps:g}: PGD {r.accuracy:.4f} > FGSM {r.by_attack['fgsm-ce']:.4f}"
                    for r in weaker
                )
                or "at every eps",
            )
        )
    blind = [("random noise", r.eps, r.noise, r.accuracy) for r in rows if r.noise < r.accuracy]
    blind += [
        ("transfer", r.eps, r.transfer, r.accuracy)
        for r in rows
        if r.transfer is not None and r.transfer < r.accuracy
    ]
    checks.append(
        Check(
            "no sign of gradient masking",
            not blind,
            "; ".join(
                f"eps {eps:g}: {name} {acc:.4f} < white-box {white:.4f}"
                for name, eps, acc, white in blind
            )
            or "noise and transfer no stronger than the white-box attack",
        )
    )
    return checks
