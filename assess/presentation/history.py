"""A client's assessments over time: what changed between one and the next, and the figures of a
trend chart. Pure functions over result JSON (as ``assess score`` prints it); no Flask, no DB."""

from __future__ import annotations

from typing import Any


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Per dimension (score before, after, change), the findings resolved and the new ones, and
    whether the questionnaire version changed (then the change is indicative only)."""
    old = {d["id"]: d for d in before["dimensions"]}
    dimensions = []
    for dim in after["dimensions"]:
        was = old.get(dim["id"], {}).get("score")
        now = dim.get("score")
        dimensions.append({
            "id": dim["id"], "before": was, "after": now,
            "delta": None if was is None or now is None else round(now - was, 1),
        })  # fmt: skip
    fired_before = {f["rule"] for f in before["findings"]}
    fired_after = {f["rule"] for f in after["findings"]}
    overall_before, overall_after = before["overall"]["score"], after["overall"]["score"]
    return {
        "overall": {"before": overall_before, "after": overall_after,
                    "delta": round(overall_after - overall_before, 1)},
        "dimensions": dimensions,
        "resolved": sorted(fired_before - fired_after),
        "new": sorted(fired_after - fired_before),
        "version_changed": before["questionnaire"]["version"] != after["questionnaire"]["version"],
    }  # fmt: skip


def trend_series(results: list[tuple[str, dict[str, Any]]]) -> dict[str, list[float | None]]:
    """(date, result JSON) oldest first → series "overall" and one per dimension, one value per
    assessment (None where a dimension was not scored)."""
    series: dict[str, list[float | None]] = {"overall": []}
    ids = [d["id"] for d in results[-1][1]["dimensions"]] if results else []
    for key in ids:
        series[key] = []
    for _, data in results:
        series["overall"].append(data["overall"]["score"])
        scores = {d["id"]: d.get("score") for d in data["dimensions"]}
        for key in ids:
            series[key].append(scores.get(key))
    return series
