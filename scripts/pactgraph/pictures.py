"""Pictures drawn from the graph as plain SVG strings: the agreement network and the timeline of acts.

No plotting library: the layout is computed here and is deterministic (same graph, same bytes).

* network.svg — states as nodes, agreements as edges coloured by type. The centre is Japan (or, in
  a graph without Japan, the state with the most agreements); its partners sit on a circle sorted by
  English label. A bilateral agreement is a (curved, when several join the same two states) edge; an
  agreement with three or more parties is a small square hub joined to each party.
* timeline.svg — one row per agreement, its acts as marks on a time axis. A date known to the day is
  a mark; a date known only to the month or year is drawn as a span over that month or year; a
  negotiation round with an end date spans its days.

Both carry links (relative to site/) to the resource pages, and <title> tooltips.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date
from html import escape

import pyoxigraph as ox

from .gather import GraphIndex
from .namespaces import PG, PGID, XSD
from .site import page_path
from .version import RELEASE_DATE, VERSION

AGREEMENT = PG + "InternationalAgreement"
ACT = PG + "AgreementAct"
CENTRE = PGID + "place/jp"
#: Classes that say how many parties an agreement has, not what kind of agreement it is.
NOT_A_KIND = {PG + "BilateralAgreement", PG + "MultilateralAgreement", AGREEMENT, PG + "SecurityAgreement"}

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f", "#393b79", "#637939")

#: Act classes: (colour, marker shape) in the order of the legend.
ACT_STYLE = {
    PG + "NegotiationLaunch": ("#6b7b8c", "ring"),
    PG + "NegotiationRound": ("#6b7b8c", "bar"),
    PG + "AgreementInPrinciple": ("#9467bd", "diamond"),
    PG + "Signature": ("#1f77b4", "circle"),
    PG + "Ratification": ("#ff7f0e", "triangle"),
    PG + "ExchangeOfNotes": ("#8c564b", "square"),
    PG + "EntryIntoForce": ("#2ca02c", "star"),
    PG + "Termination": ("#d62728", "cross"),
}
OTHER_ACT = ("#444444", "circle")
STEP = {cls: i for i, cls in enumerate(ACT_STYLE)}  # same-day acts: the usual order of steps

FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, sans-serif"'


def _f(x: float) -> str:
    """A coordinate with at most one decimal, without a trailing .0 (stable text)."""
    s = f"{x:.1f}"
    return s[:-2] if s.endswith(".0") else ("0" if s == "-0" else s)


def _href(iri: str) -> str | None:
    path = page_path(iri)
    return f"{path}.html" if path else None


def _a(iri: str, inner: str, title: str) -> str:
    href = _href(iri)
    tip = f"<title>{escape(title)}</title>"
    if href:
        return f'<a href="{escape(href)}">{tip}{inner}</a>'
    return f"<g>{tip}{inner}</g>"


def _truncate(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def agreement_kind(idx: GraphIndex, a) -> str:
    """The kind an agreement is coloured by: its most specific type that is not about party count."""
    kinds = [t for t in idx.specific_types(a) if t not in NOT_A_KIND]
    if not kinds:
        kinds = [t for t in idx.types(a) if t.startswith(PG) and t not in NOT_A_KIND]
    return kinds[0] if kinds else AGREEMENT


def _agreements(idx: GraphIndex) -> list:
    return [n for n in idx.resources if idx.is_a(n, AGREEMENT) and len(idx.values(n, PG + "hasParty")) >= 2]


# ------------------------------------------------------------------------------------------------
# The agreement network
# ------------------------------------------------------------------------------------------------

MAX_EDGES = 400


def network_svg(idx: GraphIndex) -> str:
    label = lambda iri: idx.label(iri) or iri.rsplit("/", 1)[-1]  # noqa: E731
    agreements = _agreements(idx)
    parties_of = {a: sorted({p.value for p in idx.values(a, PG + "hasParty") if isinstance(p, ox.NamedNode)})
                  for a in agreements}
    left_out = 0
    if len(agreements) > MAX_EDGES:  # a hairball helps nobody: draw the centre's own network
        centre_in = CENTRE if any(CENTRE in ps for ps in parties_of.values()) else None
        if centre_in:
            kept = [a for a in agreements if centre_in in parties_of[a]]
            left_out = len(agreements) - len(kept)
            agreements = kept
            parties_of = {a: parties_of[a] for a in kept}
    count: dict[str, int] = defaultdict(int)
    for parties in parties_of.values():
        for p in parties:
            count[p] += 1
    states = sorted(count, key=lambda s: (label(s).lower(), s))
    if not states:
        return _empty_svg("No agreements with two or more parties in the graph yet.")
    centre = CENTRE if CENTRE in count else max(states, key=lambda s: (count[s], -states.index(s)))
    ring = [s for s in states if s != centre]
    n = len(ring)
    radius = max(230.0, n * 46 / (2 * math.pi))
    legend_w = 300
    margin = 150 if n <= 40 else 190
    size = 2 * (radius + margin)
    cx, cy = legend_w + size / 2, size / 2 + 40
    pos = {centre: (cx, cy)}
    angle = {}
    for i, s in enumerate(ring):
        a = -math.pi / 2 + 2 * math.pi * i / n if n else 0.0
        angle[s] = a
        pos[s] = (cx + radius * math.cos(a), cy + radius * math.sin(a))

    kinds = sorted({agreement_kind(idx, a) for a in agreements}, key=lambda k: (label(k).lower(), k))
    colour = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(kinds)}
    per_kind: dict[str, int] = defaultdict(int)
    for a in agreements:
        per_kind[agreement_kind(idx, a)] += 1

    edges, hubs = [], []
    pairs: dict[tuple, list] = defaultdict(list)
    multi = []
    for a in sorted(agreements, key=lambda a: (label(a.value).lower(), a.value)):
        parties = parties_of[a]
        if len(parties) == 2:
            pairs[tuple(parties)].append(a)
        else:
            multi.append(a)
    for (p1, p2), group in sorted(pairs.items()):
        (x1, y1), (x2, y2) = pos[p1], pos[p2]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / length, dx / length
        m = len(group)
        spacing = min(16.0, 96.0 / m)
        for i, a in enumerate(group):
            off = (i - (m - 1) / 2) * spacing
            mx, my = (x1 + x2) / 2 + nx * off * 2, (y1 + y2) / 2 + ny * off * 2
            kind = agreement_kind(idx, a)
            path = (f'<path d="M{_f(x1)} {_f(y1)} Q{_f(mx)} {_f(my)} {_f(x2)} {_f(y2)}" fill="none" '
                    f'stroke="{colour[kind]}" stroke-width="2.5" stroke-opacity="0.85"/>')
            edges.append(_a(a.value, path, f"{label(a.value)} ({label(kind)})"))
    # hubs for agreements with three or more parties
    free_slot = 0
    for a in multi:
        parties = parties_of[a]
        vx = sum(math.cos(angle[p]) for p in parties if p in angle)
        vy = sum(math.sin(angle[p]) for p in parties if p in angle)
        norm = math.hypot(vx, vy) / max(1, len(parties))
        if norm > 0.25:
            ha = math.atan2(vy, vx)
        else:
            ha = math.pi / 4 + free_slot * (2 * math.pi / 7)
            free_slot += 1
        hx, hy = cx + radius * 0.5 * math.cos(ha), cy + radius * 0.5 * math.sin(ha)
        kind = agreement_kind(idx, a)
        spokes = "".join(
            f'<line x1="{_f(hx)}" y1="{_f(hy)}" x2="{_f(pos[p][0])}" y2="{_f(pos[p][1])}" stroke="{colour[kind]}" '
            f'stroke-width="1.5" stroke-opacity="0.6" stroke-dasharray="5 3"/>' for p in parties)
        hub = (f'<rect x="{_f(hx - 7)}" y="{_f(hy - 7)}" width="14" height="14" fill="{colour[kind]}" '
               f'stroke="#fff" stroke-width="1.5"/>'
               f'<text x="{_f(hx)}" y="{_f(hy + 22)}" text-anchor="middle" font-size="11" fill="#333" '
               f'stroke="#fff" stroke-width="3" paint-order="stroke">{escape(_truncate(label(a.value), 44))}</text>')
        tip = f"{label(a.value)} ({label(kind)}; {len(parties)} parties)"
        edges.append(_a(a.value, spokes, tip))
        hubs.append(_a(a.value, hub, tip))

    nodes = []
    for s in [centre] + ring:
        x, y = pos[s]
        r = 12 if s == centre else 7
        dot = (f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{r}" fill="{"#111" if s == centre else "#fff"}" '
               f'stroke="#111" stroke-width="2"/>')
        text = escape(label(s))
        if s == centre:
            lab = (f'<text x="{_f(x)}" y="{_f(y - 18)}" text-anchor="middle" font-size="15" font-weight="600" '
                   f'fill="#111" stroke="#fff" stroke-width="4" paint-order="stroke">{text}</text>')
        else:
            a = angle[s]
            lx, ly = x + 14 * math.cos(a), y + 14 * math.sin(a)
            deg = math.degrees(a)
            if n > 24:  # many states: labels point outwards along the radius
                flip = 90 < (deg % 360) < 270
                rot = deg + 180 if flip else deg
                anchor = "end" if flip else "start"
                lab = (f'<text x="{_f(lx)}" y="{_f(ly)}" font-size="12" fill="#111" dominant-baseline="middle" '
                       f'text-anchor="{anchor}" transform="rotate({_f(rot)} {_f(lx)} {_f(ly)})">{text}</text>')
            else:
                c = math.cos(a)
                anchor = "start" if c > 0.3 else "end" if c < -0.3 else "middle"
                dy = 5 + 8 * math.sin(a) if anchor == "middle" else 5
                lab = (f'<text x="{_f(lx)}" y="{_f(ly + dy)}" font-size="13" fill="#111" '
                       f'text-anchor="{anchor}">{text}</text>')
        nodes.append(_a(s, dot + lab, f"{label(s)}: {count[s]} agreement{'s' if count[s] != 1 else ''}"))

    legend = ['<text x="20" y="74" font-size="14" font-weight="600">Agreement type</text>']
    y = 96
    for k in kinds:
        legend.append(f'<line x1="20" y1="{y - 4}" x2="52" y2="{y - 4}" stroke="{colour[k]}" stroke-width="4"/>'
                      f'<text x="60" y="{y}" font-size="13">{escape(label(k))} ({per_kind[k]})</text>')
        y += 22
    if multi:
        legend.append(f'<rect x="29" y="{y - 11}" width="14" height="14" fill="#888"/>'
                      f'<text x="60" y="{y}" font-size="13">agreement with 3+ parties (hub)</text>')
        y += 22
    legend.append(f'<text x="20" y="{y + 8}" font-size="12" fill="#555">{len(states)} states · '
                  f"{len(agreements)} agreements</text>")
    if left_out:
        y += 20
        legend.append(f'<text x="20" y="{y + 8}" font-size="12" fill="#555">{left_out} agreements without '
                      f"{escape(label(CENTRE))} not drawn</text>")

    width, height = legend_w + size, cy + radius + (60 if n <= 24 else margin)
    title = f"Agreement network — pactgraph {VERSION} ({RELEASE_DATE})"
    return _svg(width, max(height, y + 40), title, [
        f'<text x="20" y="32" font-size="20" font-weight="600">{escape(title)}</text>',
        '<g id="edges">', *edges, "</g>", '<g id="hubs">', *hubs, "</g>",
        '<g id="states">', *nodes, "</g>", '<g id="legend">', *legend, "</g>"])


# ------------------------------------------------------------------------------------------------
# The timeline of acts
# ------------------------------------------------------------------------------------------------

def _year_fraction(d: date) -> float:
    start = date(d.year, 1, 1)
    days = (date(d.year + 1, 1, 1) - start).days
    return d.year + (d - start).days / days


def period(lit: ox.Literal) -> tuple[float, float, str] | None:
    """(start, end, precision) in fractional years for a date literal at its precision."""
    dt, v = lit.datatype.value, lit.value
    try:
        if dt == XSD + "date":
            d = date.fromisoformat(v[:10])
            return _year_fraction(d), _year_fraction(d), "day"
        if dt == XSD + "gYearMonth":
            y, m = int(v[:4]), int(v[5:7])
            nxt = date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)
            return _year_fraction(date(y, m, 1)), _year_fraction(nxt), "month"
        if dt == XSD + "gYear":
            y = int(v[:4])
            return float(y), float(y + 1), "year"
    except ValueError:
        return None
    return None


def _marker(shape: str, x: float, y: float, fill: str) -> str:
    X, Y = _f(x), _f(y)
    if shape == "circle":
        return f'<circle cx="{X}" cy="{Y}" r="5" fill="{fill}"/>'
    if shape == "ring":
        return f'<circle cx="{X}" cy="{Y}" r="4.5" fill="#fff" stroke="{fill}" stroke-width="2"/>'
    if shape == "diamond":
        return f'<path d="M{X} {_f(y - 6)} L{_f(x + 6)} {Y} L{X} {_f(y + 6)} L{_f(x - 6)} {Y} Z" fill="{fill}"/>'
    if shape == "triangle":
        return f'<path d="M{X} {_f(y - 6)} L{_f(x + 6)} {_f(y + 5)} L{_f(x - 6)} {_f(y + 5)} Z" fill="{fill}"/>'
    if shape == "square":
        return f'<rect x="{_f(x - 4.5)}" y="{_f(y - 4.5)}" width="9" height="9" fill="{fill}"/>'
    if shape == "bar":
        return f'<rect x="{_f(x - 1.5)}" y="{_f(y - 7)}" width="3" height="14" fill="{fill}"/>'
    if shape == "cross":
        return (f'<path d="M{_f(x - 5)} {_f(y - 5)} L{_f(x + 5)} {_f(y + 5)} M{_f(x + 5)} {_f(y - 5)} '
                f'L{_f(x - 5)} {_f(y + 5)}" stroke="{fill}" stroke-width="2.5"/>')
    # star
    pts = []
    for i in range(10):
        r = 7 if i % 2 == 0 else 3
        a = -math.pi / 2 + i * math.pi / 5
        pts.append(f"{_f(x + r * math.cos(a))},{_f(y + r * math.sin(a))}")
    return f'<polygon points="{" ".join(pts)}" fill="{fill}"/>'


def _act_class(idx: GraphIndex, act) -> str:
    for t in idx.specific_types(act):
        if t in ACT_STYLE:
            return t
    for cls in ACT_STYLE:
        if idx.is_a(act, cls):
            return cls
    return ACT


MAX_ROWS = 200


def timeline_svg(idx: GraphIndex) -> str:
    label = lambda iri: idx.label(iri) or iri.rsplit("/", 1)[-1]  # noqa: E731
    rows = []
    for a in _agreements(idx) + [n for n in idx.resources if idx.is_a(n, AGREEMENT)
                                 and len(idx.values(n, PG + "hasParty")) < 2]:
        acts = []
        for s, p in idx.incoming.get(a, ()):
            if p != PG + "actOn":
                continue
            d = idx.value(s, PG + "date")
            per = period(d) if isinstance(d, ox.Literal) else None
            if per is None:
                continue
            start, end, prec = per
            end_lit = idx.value(s, PG + "endDate")
            end_per = period(end_lit) if isinstance(end_lit, ox.Literal) else None
            if end_per:
                end = max(end, end_per[1] if end_per[2] != "day" else end_per[0] + 1 / 365)
                prec = "range" if prec == "day" else prec
            text = d.value + (f" to {end_lit.value}" if end_lit is not None else "")
            acts.append((start, end, prec, _act_class(idx, s), s, text))
        if acts:
            acts.sort(key=lambda x: (x[0], x[1], STEP.get(x[3], len(STEP)), x[4].value))
            rows.append((acts[0][0], label(a.value).lower(), a, acts))
    if not rows:
        return _empty_svg("No dated acts on agreements in the graph yet.")
    rows.sort(key=lambda r: (r[0], r[1], r[2].value))
    hidden = max(0, len(rows) - MAX_ROWS)
    if hidden:  # keep the centre's own agreements first, then the earliest of the rest
        centre = ox.NamedNode(CENTRE)
        keep = sorted(rows, key=lambda r: centre not in idx.values(r[2], PG + "hasParty"))[:MAX_ROWS]
        rows = sorted(keep, key=lambda r: (r[0], r[1], r[2].value))

    lo = math.floor(min(r[3][0][0] for r in rows))
    hi = math.ceil(max(max(x[1] for x in r[3]) for r in rows) + 1e-9)
    lo, hi = lo - 1, hi + 1
    span = hi - lo
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100) if span / s <= 14)
    left, plot_w, right_w, top, row_h = 480, 1100, 250, 96, 24
    X = lambda t: left + (t - lo) / span * plot_w  # noqa: E731
    height = top + row_h * len(rows) + 80
    width = left + plot_w + right_w
    out = []
    title = f"Timeline of agreement acts — pactgraph {VERSION} ({RELEASE_DATE})"
    out.append(f'<text x="20" y="32" font-size="20" font-weight="600">{escape(title)}</text>')
    # legend
    lx = 20
    for cls, (col, shape) in ACT_STYLE.items():
        out.append(_marker(shape, lx + 6, 58, col))
        name = label(cls)
        out.append(f'<text x="{lx + 16}" y="62" font-size="12">{escape(name)}</text>')
        lx += 28 + 6.6 * len(name)
    out.append(f'<rect x="{_f(lx + 4)}" y="52" width="26" height="12" fill="#6b7b8c" fill-opacity="0.35" '
               f'stroke="#6b7b8c"/><text x="{_f(lx + 36)}" y="62" font-size="12">date known only to the month or year '
               "(a span)</text>")
    # axis and grid
    first_tick = lo + (-lo) % step
    grid = []
    for t in range(first_tick, hi + 1, step):
        x = X(t)
        grid.append(f'<line x1="{_f(x)}" y1="{top - 8}" x2="{_f(x)}" y2="{top + row_h * len(rows)}" '
                    f'stroke="#e3e6ea"/>')
        for yy in (top - 14, top + row_h * len(rows) + 18):
            grid.append(f'<text x="{_f(x)}" y="{yy}" font-size="12" text-anchor="middle" fill="#555">{t}</text>')
    out.append('<g id="axis">' + "".join(grid) + "</g>")
    for i, (_, _, a, acts) in enumerate(rows):
        y = top + row_h * i + row_h / 2
        band = "#f6f8fa" if i % 2 == 0 else "#ffffff"
        parts = [f'<rect x="10" y="{_f(y - row_h / 2)}" width="{width - 20}" height="{row_h}" fill="{band}"/>']
        name = label(a.value)
        link = _a(a.value, f'<text x="{left - 12}" y="{_f(y + 4)}" font-size="12.5" text-anchor="end" '
                           f'fill="#0b5cad">{escape(_truncate(name, 62))}</text>', name)
        parts.append(link)
        x0, x1 = X(acts[0][0]), X(max(x[1] for x in acts))
        parts.append(f'<line x1="{_f(x0)}" y1="{_f(y)}" x2="{_f(x1)}" y2="{_f(y)}" stroke="#b8c0c8" '
                     'stroke-width="1.5"/>')
        marks = []
        for start, end, prec, cls, act, text in acts:
            col, shape = ACT_STYLE.get(cls, OTHER_ACT)
            tip = f"{text} — {label(cls)}: {label(act.value)}"
            if prec in ("month", "year", "range"):
                w = max(3.0, X(end) - X(start))
                inner = (f'<rect x="{_f(X(start))}" y="{_f(y - 6)}" width="{_f(w)}" height="12" rx="2" fill="{col}" '
                         f'fill-opacity="0.35" stroke="{col}" stroke-width="1.2"/>')
            else:
                inner = _marker(shape, X(start), y, col)
            marks.append(_a(act.value, inner, tip))
        parts.extend(marks)
        # the latest act: the one known to have happened last (a month or year counts from its end)
        last = max(acts, key=lambda x: (x[1], STEP.get(x[3], len(STEP)), x[4].value))
        parts.append(f'<text x="{left + plot_w + 14}" y="{_f(y + 4)}" font-size="11.5" fill="#444">'
                     f"{escape(_truncate(label(last[3]), 22))} {escape(last[5].split(' to ')[0])}</text>")
        out.append("<g>" + "".join(parts) + "</g>")
    foot = top + row_h * len(rows) + 48
    note = f"{len(rows)} agreements; the right column gives each one's latest dated act."
    if hidden:
        note += f" {hidden} more agreements are not drawn."
    out.append(f'<text x="20" y="{foot}" font-size="12" fill="#555">{escape(note)}</text>')
    return _svg(width, height, title, out)


# ------------------------------------------------------------------------------------------------

def _svg(width: float, height: float, title: str, body: list[str]) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(width)}" height="{_f(height)}" '
            f'viewBox="0 0 {_f(width)} {_f(height)}" {FONT} role="img">\n'
            f"<title>{escape(title)}</title>\n"
            f'<rect width="100%" height="100%" fill="#fff"/>\n' + "\n".join(body) + "\n</svg>\n")


def _empty_svg(message: str) -> str:
    return _svg(640, 120, message, [f'<text x="20" y="64" font-size="16">{escape(message)}</text>'])


def write_pictures(idx: GraphIndex, folder) -> dict[str, int]:
    sizes = {}
    for name, svg in (("site/network.svg", network_svg(idx)), ("site/timeline.svg", timeline_svg(idx))):
        data = svg.encode("utf-8")
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        sizes[name] = len(data)
    return sizes
