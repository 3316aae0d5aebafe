"""One HTML report per training: metrics before/after, character confusions, worst crops, a plot."""

from __future__ import annotations

import base64
import html
import io
import logging
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import cv2

from gatekeeper.domain.files import atomic_write_bytes
from gatekeeper.domain.plates import normalize_plate
from gatekeeper.training.site import FrameRow, ReaderRow

log = logging.getLogger(__name__)

GAP = "∅"
WORST = 8


def align(truth: str, pred: str) -> list[tuple[str, str]]:
    """Character pairs of an edit-distance alignment (``GAP`` marks a missing or extra character)."""
    n, m = len(truth), len(pred)
    d = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        d[i][0] = i
    for j in range(m + 1):
        d[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (truth[i - 1] != pred[j - 1]))
    pairs: list[tuple[str, str]] = []
    i, j = n, m
    while i > 0 or j > 0:
        if i > 0 and j > 0 and d[i][j] == d[i - 1][j - 1] + (truth[i - 1] != pred[j - 1]):
            pairs.append((truth[i - 1], pred[j - 1]))
            i, j = i - 1, j - 1
        elif i > 0 and d[i][j] == d[i - 1][j] + 1:
            pairs.append((truth[i - 1], GAP))
            i -= 1
        else:
            pairs.append((GAP, pred[j - 1]))
            j -= 1
    return pairs[::-1]


def confusion_pairs(rows: Sequence[ReaderRow]) -> Counter:
    """How often each (true character, read character) pair was confused, over all rows."""
    counts: Counter = Counter()
    for r in rows:
        for t, p in align(normalize_plate(r.truth), normalize_plate(r.pred)):
            if t != p:
                counts[(t, p)] += 1
    return counts


def worst_rows(rows: Sequence[ReaderRow], k: int = WORST) -> list[ReaderRow]:
    """Wrong reads, the most confidently wrong first."""
    return sorted((r for r in rows if not r.correct), key=lambda r: -r.confidence)[:k]


def _img_tag(path: Path, max_h: int = 48) -> str:
    image = cv2.imread(str(path))
    if image is None:
        return html.escape(path.name)
    ok, buf = cv2.imencode(".png", image)
    if not ok:
        return html.escape(path.name)
    data = base64.b64encode(buf.tobytes()).decode()
    return f'<img alt="{html.escape(path.name)}" height="{max_h}" src="data:image/png;base64,{data}">'


def _frame_tag(row: FrameRow, width: int = 240) -> str:
    """A thumbnail of a validation frame: labelled boxes green, detections red."""
    image = cv2.imread(str(row.image))
    if image is None:
        return html.escape(row.image.name)
    for boxes, colour in ((row.truth, (80, 200, 80)), (row.found, (60, 60, 230))):
        for b in boxes:
            cv2.rectangle(image, (int(b.x1), int(b.y1)), (int(b.x2), int(b.y2)), colour, 2)
    scale = width / max(image.shape[1], 1)
    image = cv2.resize(image, (width, max(1, int(image.shape[0] * scale))), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    if not ok:
        return html.escape(row.image.name)
    data = base64.b64encode(buf.tobytes()).decode()
    return f'<img alt="{html.escape(row.image.name)}" src="data:image/jpeg;base64,{data}">'


def metrics_plot(before: dict, after: dict) -> str:
    """A bar chart of the metrics before/after as an embedded PNG ``<img>`` (matplotlib Agg)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    keys = [
        k
        for k in after
        if isinstance(after.get(k), (int, float))
        and k != "val_size"
        and isinstance(before.get(k, 0.0), (int, float))
    ]
    if not keys:
        return ""
    fig = Figure(figsize=(5, 2.6), dpi=90)
    ax = fig.add_subplot(1, 1, 1)
    xs = range(len(keys))
    ax.bar([x - 0.2 for x in xs], [float(before.get(k, 0.0)) for k in keys], 0.4, label="before")
    ax.bar([x + 0.2 for x in xs], [float(after[k]) for k in keys], 0.4, label="after")
    ax.set_xticks(list(xs), [k.replace("_", " ") for k in keys], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    data = base64.b64encode(buf.getvalue()).decode()
    return f'<img alt="metrics" src="data:image/png;base64,{data}">'


def render_report(
    *,
    kind: str,
    version: str,
    parent: str | None,
    promoted: bool,
    reason: str,
    before: dict,
    after: dict,
    data: dict,
    rows: Sequence[ReaderRow] = (),
    frames: Sequence[FrameRow] = (),
    train_metrics: dict | None = None,
) -> str:
    """The report as one self-contained HTML page."""
    e = html.escape
    verdict = "activated (better than the current model)" if promoted else "kept as a rejected candidate"
    out = [
        "<html><head><meta charset='utf-8'><title>Training report</title></head><body>",
        f"<h2>{e(kind.title())} {e(version)}</h2>",
        f"<p>Trained {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC from <b>{e(parent or 'scratch')}</b>. "
        f"Result: <b>{e(verdict)}</b>. {e(reason)}</p>",
        "<h3>Site validation split</h3><table border='1' cellspacing='0' cellpadding='3'>",
        "<tr><th>metric</th><th>before</th><th>after</th></tr>",
    ]
    for key in sorted(set(before) | set(after)):
        out.append(
            f"<tr><td>{e(key)}</td><td>{e(str(before.get(key, '')))}</td>"
            f"<td>{e(str(after.get(key, '')))}</td></tr>"
        )
    out.append("</table>")
    out.append(metrics_plot(before, after))
    out.append("<h3>Data</h3><p>" + ", ".join(f"{e(k)}: {v}" for k, v in sorted(data.items())) + "</p>")
    if train_metrics:
        out.append(
            "<h3>Training metrics</h3><p>"
            + ", ".join(f"{e(str(k))}: {e(str(v))}" for k, v in sorted(train_metrics.items()))
            + "</p>"
        )
    if rows:
        conf = confusion_pairs(rows).most_common(12)
        out.append("<h3>Character confusions (true → read)</h3>")
        if conf:
            out.append(
                "<table border='1' cellspacing='0' cellpadding='3'><tr><th>true</th><th>read</th>"
                "<th>count</th></tr>"
            )
            out += [f"<tr><td>{e(t)}</td><td>{e(p)}</td><td>{n}</td></tr>" for (t, p), n in conf]
            out.append("</table>")
        else:
            out.append("<p>none</p>")
        worst = worst_rows(rows)
        out.append("<h3>Worst examples</h3>")
        if worst:
            out.append(
                "<table border='1' cellspacing='0' cellpadding='3'><tr><th>crop</th><th>true</th>"
                "<th>read</th><th>confidence</th></tr>"
            )
            out += [
                f"<tr><td>{_img_tag(r.image)}</td><td>{e(r.truth)}</td><td>{e(r.pred or '—')}</td>"
                f"<td>{r.confidence:.2f}</td></tr>"
                for r in worst
            ]
            out.append("</table>")
        else:
            out.append("<p>every validation plate was read correctly</p>")
    if frames:
        bad = sorted((f for f in frames if f.missed or f.false), key=lambda f: -(f.missed + f.false))[:WORST]
        out.append("<h3>Worst frames (green: labelled, red: detected)</h3>")
        if bad:
            out.append(
                "<table border='1' cellspacing='0' cellpadding='3'><tr><th>frame</th><th>missed</th>"
                "<th>false alarms</th></tr>"
            )
            out += [f"<tr><td>{_frame_tag(f)}</td><td>{f.missed}</td><td>{f.false}</td></tr>" for f in bad]
            out.append("</table>")
        else:
            out.append("<p>every labelled plate was found, with no false alarms</p>")
    out.append("</body></html>")
    return "\n".join(out)


def write_report(path: Path, **kwargs) -> Path:
    """Render and save the report atomically; returns ``path``."""
    atomic_write_bytes(Path(path), render_report(**kwargs).encode("utf-8"))
    log.info("training report %s", path)
    return Path(path)
