"""Pictures drawn from the graph as plain SVG strings: agreement networks and timelines of acts.

No plotting library: the layout is computed here and is deterministic (same graph, same bytes). Every
picture is drawn for the release date (version.RELEASE_DATE), never for the clock.

* network-<alpha2>.svg, one per state party to an agreement — that state in the centre, its partners on a
  circle sorted by English label, one curve per bilateral agreement (the agreements with one partner
  fanned out as a bundle, sorted by type), an agreement with three or more parties as a small square
  hub joined to each party. Colour gives the agreement type (the same colour in every picture), the
  line style the status on the release date, derived from the pg:StatusPeriod nodes: solid in force,
  dashed ended (terminated, withdrawn, replaced), dotted anything else (signed or negotiated but no
  entry into force recorded, or unknown). The legend counts both.
* network.svg — the same picture for the centre state: Japan (or, in a graph without Japan, the state
  with the most agreements).
* network-overview.svg — every state as a node sized by its number of agreements; one line per pair of
  states with bilateral agreements, its width and number giving how many, its colour the most common
  type; agreements with three or more parties as hubs.
* timeline-<alpha2>.svg, one per state, and timeline.svg for the centre state — one row per agreement of
  that state, grouped by partner (agreements with three or more parties last), its acts as marks on a
  time axis. A date known to the day is a mark; a date known only to the month or year is drawn as a
  span over that month or year; a negotiation round with an end date spans its days.

All carry links (relative to site/) to the resource pages, and <title> tooltips.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from datetime import date
from html import escape

import pyoxigraph as ox

from .gather import GraphIndex
from .namespaces import PG, PGID, XSD
from .site import page_path
from .version import RELEASE_DATE, VERSION

AGREEMENT = PG + "InternationalAgreement"
ACT = PG + "AgreementAct"
STATUS_PERIOD = PG + "StatusPeriod"
CENTRE = PGID + "place/jp"
#: "Today" for every picture: the release date, so that the same graph gives the same bytes.
TODAY = date.fromisoformat(RELEASE_DATE)
#: A state with a picture of its own: a place whose slug is its ISO 3166-1 alpha-2 code.
STATE_IRI = re.compile(re.escape(PGID) + r"place/([a-z]{2})$")
#: Classes that say how many parties an agreement has, not what kind of agreement it is.
NOT_A_KIND = {PG + "BilateralAgreement", PG + "MultilateralAgreement", AGREEMENT, PG + "SecurityAgreement"}

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f", "#393b79", "#637939")

#: Status concepts (data/concepts.ttl) grouped into the three line styles of the networks.
ENDED = {PGID + "concept/" + s for s in ("terminated", "withdrawn", "replaced")}
IN_FORCE = PGID + "concept/in-force"
#: line style: (legend text, stroke-dasharray or None, opacity)
STATUS_STYLE = {
    "in-force": ("in force", None, 0.9),
    "other": ("not in force or not recorded (signed, negotiated, entry into force not recorded, unknown)",
              "2 3", 0.9),
    "ended": ("no longer in force (terminated, withdrawn or replaced)", "7 4", 0.55),
}

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


def _circle_node(x: float, y: float, r: float, a: float, count: int, name: str) -> tuple[str, str]:
    """A state on a circle of states: its dot with `count` inside, and its name outside, at angle `a`."""
    dot = (f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(r)}" fill="#fff" stroke="#111" stroke-width="2"/>'
           f'<text x="{_f(x)}" y="{_f(y + 4)}" text-anchor="middle" font-size="11" font-weight="700" '
           f'fill="#111">{count}</text>')
    lx, ly = x + (r + 6) * math.cos(a), y + (r + 6) * math.sin(a)
    c = math.cos(a)
    anchor = "start" if c > 0.3 else "end" if c < -0.3 else "middle"
    dy = 5 + 9 * math.sin(a) if anchor == "middle" else 5
    lab = (f'<text x="{_f(lx)}" y="{_f(ly + dy)}" font-size="13" fill="#111" text-anchor="{anchor}" '
           f'stroke="#fff" stroke-width="3" paint-order="stroke">{escape(name)}</text>')
    return dot, lab


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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def agreement_kind(idx: GraphIndex, a) -> str:
    """The kind an agreement is coloured by: its most specific type that is not about party count."""
    kinds = [t for t in idx.specific_types(a) if t not in NOT_A_KIND]
    if not kinds:
        kinds = [t for t in idx.types(a) if t.startswith(PG) and t not in NOT_A_KIND]
    return kinds[0] if kinds else AGREEMENT


def _agreements(idx: GraphIndex) -> list:
    return [n for n in idx.resources if idx.is_a(n, AGREEMENT) and len(idx.values(n, PG + "hasParty")) >= 2]


def state_code(iri: str) -> str | None:
    """The alpha-2 code of a state IRI (`id/place/jp` -> "jp"), else None."""
    m = STATE_IRI.match(iri)
    return m.group(1) if m else None


def _day(lit) -> date | None:
    try:
        return date.fromisoformat(lit.value[:10]) if isinstance(lit, ox.Literal) else None
    except ValueError:
        return None


class Pictures:
    """What every picture needs, gathered once from the index."""

    def __init__(self, idx: GraphIndex):
        self.idx = idx
        self.agreements = _agreements(idx)
        every = [n for n in idx.resources if idx.is_a(n, AGREEMENT)]
        self.parties = {a: sorted({p.value for p in idx.values(a, PG + "hasParty") if isinstance(p, ox.NamedNode)})
                        for a in every}
        self.kind = {a: agreement_kind(idx, a) for a in every}
        kinds = sorted(set(self.kind.values()), key=lambda k: (self.label(k).lower(), k))
        self.colour = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(kinds)}
        self.kinds = kinds
        # the status of each (agreement, party) on TODAY, from the derived status periods
        self.status: dict[tuple, str] = {}
        for n in idx.resources:
            if not idx.is_a(n, STATUS_PERIOD):
                continue
            a, st = idx.value(n, PG + "agreement"), idx.value(n, PG + "status")
            first, last = _day(idx.value(n, PG + "firstDay")), _day(idx.value(n, PG + "lastDay"))
            if a is None or st is None or first is None or first > TODAY or (last is not None and last < TODAY):
                continue
            for p in idx.values(n, PG + "party"):
                self.status[(a, p.value)] = st.value
        # states: parties with an alpha-2 slug, and their agreements (with any number of parties)
        self.of_state: dict[str, list] = defaultdict(list)
        for a in every:
            for p in self.parties[a]:
                if state_code(p):
                    self.of_state[p].append(a)
        self.states = sorted(self.of_state, key=lambda s: (state_code(s), s))
        # the acts of each agreement with their periods, sorted
        self.acts: dict = {}
        for a in every:
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
            acts.sort(key=lambda x: (x[0], x[1], STEP.get(x[3], len(STEP)), x[4].value))
            self.acts[a] = acts

    def label(self, iri: str) -> str:
        return self.idx.label(iri) or iri.rsplit("/", 1)[-1]

    def party_counts(self) -> Counter:
        """How many of the pictured agreements each party is a party to."""
        return Counter(p for a in self.agreements for p in self.parties[a])

    def by_pair(self, agreements) -> tuple[dict[tuple, list], list]:
        """The bilateral agreements grouped by their pair of parties, and the others (3+ parties)."""
        pairs: dict[tuple, list] = defaultdict(list)
        multi = []
        for a in agreements:
            if len(self.parties[a]) == 2:
                pairs[tuple(self.parties[a])].append(a)
            else:
                multi.append(a)
        return pairs, multi

    def category(self, a, party: str | None = None) -> str:
        """"in-force", "ended" or "other" on TODAY: for one party, or for the agreement (in force when
        in force for some party, ended when ended for every party with a status)."""
        if party is not None:
            sts = [self.status.get((a, party))]
        else:
            sts = [self.status.get((a, p)) for p in self.parties[a]]
        sts = [s for s in sts if s]
        if IN_FORCE in sts:
            return "in-force"
        if sts and all(s in ENDED for s in sts):
            return "ended"
        return "other"

    def status_text(self, a, party: str | None = None) -> str:
        if party is not None:
            st = self.status.get((a, party))
        else:
            sts = sorted({self.status[(a, p)] for p in self.parties[a] if (a, p) in self.status})
            st = IN_FORCE if IN_FORCE in sts else (sts[0] if len(sts) == 1 else None)
            if len(sts) > 1 and st != IN_FORCE:
                return f"status on {RELEASE_DATE} differs by party"
        if st is None:
            return f"no status on {RELEASE_DATE}"
        return f"{self.label(st)} on {RELEASE_DATE}"

    def first_date(self, a) -> float:
        acts = self.acts.get(a)
        return acts[0][0] if acts else 1e9

    def centre(self) -> str | None:
        if CENTRE in self.of_state:
            return CENTRE
        if not self.states:
            return None
        return min(self.states, key=lambda s: (-len(self.of_state[s]), s))


def _line_attrs(cat: str) -> str:
    _, dash, opacity = STATUS_STYLE[cat]
    return f' stroke-opacity="{opacity}"' + (f' stroke-dasharray="{dash}"' if dash else "")


def _legend_types(pic: Pictures, agreements, x: float, y: float, head: str = "Agreement type") -> tuple[list, float]:
    count = Counter(pic.kind[a] for a in agreements)
    out = [f'<text x="{_f(x)}" y="{_f(y)}" font-size="14" font-weight="600">{escape(head)}</text>']
    y += 22
    for k in pic.kinds:
        if not count[k]:
            continue
        out.append(f'<line x1="{_f(x)}" y1="{_f(y - 4)}" x2="{_f(x + 32)}" y2="{_f(y - 4)}" stroke="{pic.colour[k]}" '
                   f'stroke-width="4"/><text x="{_f(x + 40)}" y="{_f(y)}" font-size="13">'
                   f"{escape(pic.label(k))} ({count[k]})</text>")
        y += 21
    return out, y


def _legend_status(pic: Pictures, counts: Counter, x: float, y: float) -> tuple[list, float]:
    out = [f'<text x="{_f(x)}" y="{_f(y)}" font-size="14" font-weight="600">Status on {RELEASE_DATE} '
           "(release date)</text>"]
    y += 22
    for cat in ("in-force", "other", "ended"):
        text, _, _ = STATUS_STYLE[cat]
        lines = _wrap(f"{text} ({counts[cat]})", 40)
        out.append(f'<line x1="{_f(x)}" y1="{_f(y - 4)}" x2="{_f(x + 32)}" y2="{_f(y - 4)}" stroke="#333" '
                   f'stroke-width="2.5"{_line_attrs(cat)}/>')
        for i, line in enumerate(lines):
            out.append(f'<text x="{_f(x + 40)}" y="{_f(y + 16 * i)}" font-size="13">{escape(line)}</text>')
        y += 16 * len(lines) + 6
    return out, y


def _wrap(text: str, n: int) -> list[str]:
    lines, cur = [], ""
    for word in text.split():
        if cur and len(cur) + 1 + len(word) > n:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    return lines + ([cur] if cur else [])


def _text_box(x: float, y: float, text: str, size: float = 11) -> tuple[float, float, float, float]:
    w = 0.58 * size * len(text)
    return (x - w / 2, y - size, x + w / 2, y + 4)


def _overlaps(box, boxes, pad: float = 4) -> bool:
    return any(box[0] < b[2] + pad and b[0] < box[2] + pad and box[1] < b[3] + pad and b[1] < box[3] + pad
               for b in boxes)


# ------------------------------------------------------------------------------------------------
# The agreement network of one state
# ------------------------------------------------------------------------------------------------

def network_svg(idx: GraphIndex, state: str | None = None, pic: Pictures | None = None) -> str:
    """The agreements of `state` (default: the centre state), that state in the centre."""
    pic = pic or Pictures(idx)
    centre = state or pic.centre()
    if centre is None or centre not in pic.of_state:
        return _empty_svg("No agreements with two or more parties in the graph yet.")
    label = pic.label
    agreements = sorted((a for a in pic.of_state[centre] if len(pic.parties[a]) >= 2),
                        key=lambda a: (label(pic.kind[a]).lower(), pic.first_date(a), label(a.value).lower(), a.value))
    if not agreements:
        return _empty_svg(f"{label(centre)}: no agreement with two or more parties in the graph yet.")
    with_partner: dict[str, list] = defaultdict(list)
    multi = []
    for a in agreements:
        others = [p for p in pic.parties[a] if p != centre]
        if len(others) == 1:
            with_partner[others[0]].append(a)
        else:
            multi.append(a)
    count: Counter = Counter()
    for a in agreements:
        for p in pic.parties[a]:
            if p != centre:
                count[p] += 1
    ring = sorted(count, key=lambda s: (label(s).lower(), s))
    n = len(ring)
    biggest = max((len(v) for v in with_partner.values()), default=1)
    radius = max(250.0, n * 19.0, biggest * 16.0)
    legend_w, margin = 390, 130
    size = 2 * (radius + margin)
    cx, cy = legend_w + size / 2, size / 2 + 30
    pos = {centre: (cx, cy)}
    angle = {}
    for i, s in enumerate(ring):
        a = -math.pi / 2 + 2 * math.pi * i / n if n else 0.0
        angle[s] = a
        pos[s] = (cx + radius * math.cos(a), cy + radius * math.sin(a))

    cats: Counter = Counter()
    edges, hubs, badges = [], [], []
    gap = math.pi * radius / max(n, 2)  # room between neighbouring bundles half way out
    for p in ring:
        group = with_partner.get(p, [])
        if not group:
            continue
        (x1, y1), (x2, y2) = pos[centre], pos[p]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / length, dx / length
        m = len(group)
        spacing = min(11.0, 0.8 * gap / m, 110.0 / m)
        for i, a in enumerate(group):
            off = (i - (m - 1) / 2) * spacing
            mx, my = (x1 + x2) / 2 + nx * off * 2, (y1 + y2) / 2 + ny * off * 2
            kind, cat = pic.kind[a], pic.category(a)
            cats[cat] += 1
            path = (f'<path d="M{_f(x1)} {_f(y1)} Q{_f(mx)} {_f(my)} {_f(x2)} {_f(y2)}" fill="none" '
                    f'stroke="{pic.colour[kind]}" stroke-width="2.5"{_line_attrs(cat)}/>')
            edges.append(_a(a.value, path, f"{label(a.value)} ({label(kind)}; {pic.status_text(a)})"))
    # hubs for agreements with three or more parties, placed where their label does not hit another
    boxes: list = []
    free_slot = 0
    for a in sorted(multi, key=lambda a: (pic.first_date(a), label(a.value).lower(), a.value)):
        parties = pic.parties[a]
        others = [q for q in parties if q != centre]
        vx = sum(math.cos(angle[q]) for q in others)
        vy = sum(math.sin(angle[q]) for q in others)
        if math.hypot(vx, vy) / len(others) > 0.2:
            ha = math.atan2(vy, vx)
        else:
            ha = math.pi / 4 + free_slot * (2 * math.pi / 7)
            free_slot += 1
        text = _truncate(label(a.value), 34)
        for k in range(40):
            rf = (0.5, 0.36, 0.64, 0.78)[k % 4]
            turn = (k // 4 + 1) // 2 * (1 if (k // 4) % 2 else -1) * 0.13
            hx, hy = cx + radius * rf * math.cos(ha + turn), cy + radius * rf * math.sin(ha + turn)
            box = _text_box(hx, hy + 22, text)
            hub_box = (hx - 9, hy - 9, hx + 9, hy + 9)
            if not _overlaps(box, boxes) and not _overlaps(hub_box, boxes):
                break
        boxes += [box, hub_box]
        kind = pic.kind[a]
        col = pic.colour[kind]
        spokes = []
        for q in parties:
            cat = pic.category(a, q)
            cats_key = cat
            spokes.append(f'<line x1="{_f(hx)}" y1="{_f(hy)}" x2="{_f(pos[q][0])}" y2="{_f(pos[q][1])}" '
                          f'stroke="{col}" stroke-width="1.6"{_line_attrs(cats_key)}/>')
        cats[pic.category(a, centre)] += 1
        hub = (f'<rect x="{_f(hx - 7)}" y="{_f(hy - 7)}" width="14" height="14" fill="{col}" stroke="#fff" '
               f'stroke-width="1.5"/><text x="{_f(hx)}" y="{_f(hy + 22)}" text-anchor="middle" font-size="11" '
               f'fill="#222" stroke="#fff" stroke-width="3" paint-order="stroke">{escape(text)}</text>')
        tip = (f"{label(a.value)} ({label(kind)}; {len(parties)} parties; for {label(centre)}: "
               f"{pic.status_text(a, centre)})")
        hubs.append(_a(a.value, '<g opacity="0.9">' + "".join(spokes) + "</g>" + hub, tip))

    nodes = []
    for s in [centre] + ring:
        x, y = pos[s]
        if s == centre:
            dot = f'<circle cx="{_f(x)}" cy="{_f(y)}" r="13" fill="#111" stroke="#fff" stroke-width="2"/>'
            lab = (f'<text x="{_f(x)}" y="{_f(y - 20)}" text-anchor="middle" font-size="16" font-weight="700" '
                   f'fill="#111" stroke="#fff" stroke-width="5" paint-order="stroke">{escape(label(s))}</text>')
            tip = f"{label(s)}: {_plural(len(agreements), 'agreement')} drawn here"
        else:
            r = 9 + 1.3 * math.sqrt(count[s])
            dot, lab = _circle_node(x, y, r, angle[s], count[s], label(s))
            tip = f"{label(s)}: {_plural(count[s], 'agreement')} with {label(centre)}"
        nodes.append(_a(s, dot + lab, tip))

    legend, y = _legend_types(pic, agreements, 20, 74)
    more, y = _legend_status(pic, cats, 20, y + 14)
    legend += more
    if multi:
        legend.append(f'<rect x="29" y="{_f(y - 11)}" width="14" height="14" fill="#888"/>'
                      f'<text x="60" y="{_f(y)}" font-size="13">agreement with 3+ parties (hub)</text>')
        y += 22
    notes = [f"{_plural(len(agreements), 'agreement')} of {label(centre)} with {_plural(n, 'state')}",
             f"({len(agreements) - len(multi)} bilateral, {len(multi)} with 3+ parties).",
             "The number in a state's circle counts its agreements",
             f"with {label(centre)}. Status: derived from the dated",
             "acts (pg:StatusPeriod), see the agreement pages."]
    for line in notes:
        y += 17
        legend.append(f'<text x="20" y="{_f(y)}" font-size="12" fill="#555">{escape(line)}</text>')
    y += 26
    legend.append('<a href="network-overview.svg"><text x="20" y="' + _f(y) + '" font-size="13" fill="#0b5cad">'
                  "All states: the overview →</text></a>")
    code = state_code(centre)
    if code:
        y += 20
        legend.append(f'<a href="timeline-{code}.svg"><text x="20" y="{_f(y)}" font-size="13" fill="#0b5cad">'
                      f"Timeline of {escape(label(centre))}’s agreements →</text></a>")

    width, height = legend_w + size, max(cy + radius + margin - 40, y + 40)
    title = f"Security agreements of {label(centre)} — pactgraph {VERSION} ({RELEASE_DATE})"
    return _svg(width, height, title, [
        f'<text x="20" y="34" font-size="20" font-weight="600">{escape(title)}</text>',
        '<g id="edges">', *edges, "</g>", '<g id="hubs">', *hubs, "</g>",
        '<g id="states">', *nodes, "</g>", '<g id="legend">', *legend, "</g>"])


# ------------------------------------------------------------------------------------------------
# The overview: every state, one line per pair
# ------------------------------------------------------------------------------------------------

def overview_svg(idx: GraphIndex, pic: Pictures | None = None) -> str:
    pic = pic or Pictures(idx)
    label = pic.label
    agreements = pic.agreements
    if not agreements:
        return _empty_svg("No agreements with two or more parties in the graph yet.")
    count = pic.party_counts()
    states = sorted(count, key=lambda s: (label(s).lower(), s))
    n = len(states)
    radius = max(260.0, n * 17.0)
    legend_w, margin = 360, 130
    size = 2 * (radius + margin)
    cx, cy = legend_w + size / 2, size / 2 + 30
    pos, angle = {}, {}
    for i, s in enumerate(states):
        a = -math.pi / 2 + 2 * math.pi * i / n
        angle[s] = a
        pos[s] = (cx + radius * math.cos(a), cy + radius * math.sin(a))
    pairs, multi = pic.by_pair(agreements)
    lines, numbers = [], []
    # thin lines first, so that the thick ones stay visible
    for (p1, p2), group in sorted(pairs.items(), key=lambda kv: (len(kv[1]), kv[0])):
        kinds = Counter(pic.kind[a] for a in group)
        top = min(kinds, key=lambda k: (-kinds[k], label(k).lower(), k))
        cat = "ended" if all(pic.category(a) == "ended" for a in group) else "in-force"
        (x1, y1), (x2, y2) = pos[p1], pos[p2]
        m = len(group)
        w = 1.2 + 1.9 * math.sqrt(m - 1) if m > 1 else 1.2
        names = sorted(group, key=lambda a: (pic.first_date(a), label(a.value).lower(), a.value))
        shown = [f"• {label(a.value)}" for a in names[:25]] + ([f"… and {m - 25} more"] if m > 25 else [])
        by_kind = ", ".join(f"{kinds[k]} {label(k)}" for k in sorted(kinds, key=lambda k: (-kinds[k], label(k))))
        tip = f"{label(p1)}–{label(p2)}: {_plural(m, 'bilateral agreement')} ({by_kind})\n" + "\n".join(shown)
        line = (f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}" stroke="{pic.colour[top]}" '
                f'stroke-width="{_f(w)}" stroke-linecap="round"{_line_attrs(cat)}/>')
        lines.append(f"<g><title>{escape(tip)}</title>{line}</g>")
        if m > 1:
            t = 0.5
            mx, my = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t
            numbers.append(f"<g><title>{escape(tip)}</title>"
                           f'<text x="{_f(mx)}" y="{_f(my + 4)}" text-anchor="middle" font-size="11.5" '
                           f'font-weight="700" fill="{pic.colour[top]}" stroke="#fff" stroke-width="3.5" '
                           f'paint-order="stroke">{m}</text></g>')
    hubs = []
    boxes: list = []
    for a in sorted(multi, key=lambda a: (pic.first_date(a), label(a.value).lower(), a.value)):
        parties = pic.parties[a]
        vx = sum(math.cos(angle[q]) for q in parties)
        vy = sum(math.sin(angle[q]) for q in parties)
        ha = math.atan2(vy, vx) if math.hypot(vx, vy) > 1e-6 else 0.0
        text = _truncate(label(a.value), 30)
        for k in range(40):
            rf = (0.3, 0.45, 0.15, 0.6)[k % 4]
            turn = (k // 4 + 1) // 2 * (1 if (k // 4) % 2 else -1) * 0.15
            hx, hy = cx + radius * rf * math.cos(ha + turn), cy + radius * rf * math.sin(ha + turn)
            box = _text_box(hx, hy + 20, text, 10.5)
            hub_box = (hx - 8, hy - 8, hx + 8, hy + 8)
            if not _overlaps(box, boxes) and not _overlaps(hub_box, boxes):
                break
        boxes += [box, hub_box]
        col = pic.colour[pic.kind[a]]
        spokes = "".join(f'<line x1="{_f(hx)}" y1="{_f(hy)}" x2="{_f(pos[q][0])}" y2="{_f(pos[q][1])}" '
                         f'stroke="{col}" stroke-width="1"{_line_attrs(pic.category(a, q))}/>' for q in parties)
        hub = (f'<rect x="{_f(hx - 6)}" y="{_f(hy - 6)}" width="12" height="12" fill="{col}" stroke="#fff" '
               f'stroke-width="1.5"/><text x="{_f(hx)}" y="{_f(hy + 20)}" text-anchor="middle" font-size="10.5" '
               f'fill="#222" stroke="#fff" stroke-width="3" paint-order="stroke">{escape(text)}</text>')
        tip = (f"{label(a.value)} ({label(pic.kind[a])}; {len(parties)} parties: "
               + ", ".join(label(q) for q in parties) + f"; {pic.status_text(a)})")
        hubs.append(_a(a.value, '<g opacity="0.5">' + spokes + "</g>" + hub, tip))
    nodes = []
    for s in states:
        x, y = pos[s]
        r = 8 + 1.3 * math.sqrt(count[s])
        code = state_code(s)
        dot, lab = _circle_node(x, y, r, angle[s], count[s], label(s))
        if code:
            dot = (f'<a href="network-{code}.svg"><title>{escape(label(s))}: {_plural(count[s], "agreement")} — '
                   f"open its own picture</title>{dot}</a>")
        nodes.append(dot + _a(s, lab, f"{label(s)}: {_plural(count[s], 'agreement')}"))

    legend, y = _legend_types(pic, agreements, 20, 74, "Most common agreement type of a pair")
    y += 14
    legend.append(f'<text x="20" y="{_f(y)}" font-size="14" font-weight="600">Bilateral agreements of a pair</text>')
    y += 22
    for m in (1, 3, 10):
        w = 1.2 + 1.9 * math.sqrt(m - 1) if m > 1 else 1.2
        legend.append(f'<line x1="20" y1="{_f(y - 4)}" x2="52" y2="{_f(y - 4)}" stroke="#555" stroke-width="{_f(w)}" '
                      f'stroke-linecap="round"/><text x="60" y="{_f(y)}" font-size="13">{m}</text>')
        y += 21
    legend.append(f'<line x1="20" y1="{_f(y - 4)}" x2="52" y2="{_f(y - 4)}" stroke="#555" stroke-width="2.5"'
                  f'{_line_attrs("ended")}/><text x="60" y="{_f(y)}" font-size="13">'
                  f"every one ended by {RELEASE_DATE}</text>")
    y += 21
    if multi:
        legend.append(f'<rect x="29" y="{_f(y - 11)}" width="14" height="14" fill="#888"/>'
                      f'<text x="60" y="{_f(y)}" font-size="13">agreement with 3+ parties (hub)</text>')
        y += 22
    notes = [f"{_plural(n, 'state')} · {_plural(len(agreements), 'agreement')} "
             f"({len(agreements) - len(multi)} bilateral, {len(multi)} with 3+ parties).",
             "The number in a state's circle counts all its agreements;",
             "the number on a line, the bilateral ones of the pair.",
             "Hover a line for the list; click a state's dot",
             "for its own picture, its name for its page."]
    for line in notes:
        y += 17
        legend.append(f'<text x="20" y="{_f(y)}" font-size="12" fill="#555">{escape(line)}</text>')
    width, height = legend_w + size, max(cy + radius + margin - 40, y + 40)
    title = f"Security agreements between states — overview — pactgraph {VERSION} ({RELEASE_DATE})"
    return _svg(width, height, title, [
        f'<text x="20" y="34" font-size="20" font-weight="600">{escape(title)}</text>',
        '<g id="pairs">', *lines, "</g>", '<g id="hubs">', *hubs, "</g>", '<g id="counts">', *numbers, "</g>",
        '<g id="states">', *nodes, "</g>", '<g id="legend">', *legend, "</g>"])


# ------------------------------------------------------------------------------------------------
# The overview as a matrix: a row and a column per state, a column per agreement with 3+ parties
# ------------------------------------------------------------------------------------------------

def matrix_svg(idx: GraphIndex, pic: Pictures | None = None) -> str:
    """Every party as a row and a column (most agreements first); a cell gives the number of bilateral
    agreements of the pair, coloured by their most common type; then one column per agreement with three
    or more parties, with a mark in the row of each party."""
    pic = pic or Pictures(idx)
    label = pic.label
    agreements = pic.agreements
    if not agreements:
        return _empty_svg("No agreements with two or more parties in the graph yet.")
    count = pic.party_counts()
    states = sorted(count, key=lambda s: (-count[s], label(s).lower(), s))
    pairs, multi = pic.by_pair(agreements)
    multi.sort(key=lambda a: (pic.first_date(a), label(a.value).lower(), a.value))
    cell, name_w, head_h, top = 26, 190, 230, 60
    n = len(states)
    x0, y0 = 20 + name_w, top + head_h
    gap = 24
    mx0 = x0 + n * cell + gap
    width = mx0 + len(multi) * cell + 400
    out = []
    title = f"Security agreements between states — matrix — pactgraph {VERSION} ({RELEASE_DATE})"
    out.append(f'<text x="20" y="34" font-size="20" font-weight="600">{escape(title)}</text>')
    # column heads: states, then agreements with 3+ parties (rotated)
    for j, s in enumerate(states):
        x = x0 + j * cell + cell / 2 + 4
        out.append(_a(s, f'<text x="{_f(x)}" y="{_f(y0 - 8)}" font-size="12" transform="rotate(-60 {_f(x)} '
                         f'{_f(y0 - 8)})">{escape(label(s))}</text>', f"{label(s)}: {_plural(count[s], 'agreement')}"))
    for j, a in enumerate(multi):
        x = mx0 + j * cell + cell / 2 + 4
        out.append(_a(a.value, f'<text x="{_f(x)}" y="{_f(y0 - 8)}" font-size="11.5" fill="#0b5cad" '
                               f'transform="rotate(-60 {_f(x)} {_f(y0 - 8)})">'
                               f"{escape(_truncate(label(a.value), 34))}</text>",
                      f"{label(a.value)} ({label(pic.kind[a])}; {len(pic.parties[a])} parties; {pic.status_text(a)})"))
    if multi:
        out.append(f'<text x="{_f(mx0)}" y="{_f(y0 + n * cell + 20)}" font-size="12" fill="#555">agreements with '
                   "3+ parties</text>")
    out.append(f'<text x="{_f(x0)}" y="{_f(y0 + n * cell + 20)}" font-size="12" fill="#555">number of bilateral '
               "agreements of the pair</text>")
    rows = []
    for i, s in enumerate(states):
        y = y0 + i * cell
        band = "#f6f8fa" if i % 2 == 0 else "#ffffff"
        parts = [f'<rect x="10" y="{_f(y)}" width="{_f(width - 20)}" height="{cell}" fill="{band}"/>']
        code = state_code(s)
        name = (f'<text x="{_f(x0 - 34)}" y="{_f(y + cell / 2 + 4)}" font-size="12.5" text-anchor="end">'
                f"{escape(label(s))}</text>")
        parts.append(_a(s, name, f"{label(s)}: {_plural(count[s], 'agreement')}"))
        total = (f'<text x="{_f(x0 - 8)}" y="{_f(y + cell / 2 + 4)}" font-size="11.5" font-weight="700" '
                 f'text-anchor="end" fill="#333">{count[s]}</text>')
        if code:
            total = f'<a href="network-{code}.svg"><title>{escape(label(s))}: its own picture</title>{total}</a>'
        parts.append(total)
        for j, t in enumerate(states):
            x = x0 + j * cell
            if s == t:
                parts.append(f'<rect x="{_f(x + 1)}" y="{_f(y + 1)}" width="{cell - 2}" height="{cell - 2}" '
                             'fill="#d5dae0"/>')
                continue
            group = pairs.get(tuple(sorted((s, t))), [])
            if not group:
                parts.append(f'<rect x="{_f(x + 1)}" y="{_f(y + 1)}" width="{cell - 2}" height="{cell - 2}" '
                             'fill="none" stroke="#eceff2"/>')
                continue
            kinds = Counter(pic.kind[a] for a in group)
            top_kind = min(kinds, key=lambda k: (-kinds[k], label(k).lower(), k))
            m = len(group)
            live = sum(1 for a in group if pic.category(a) == "in-force")
            names = sorted(group, key=lambda a: (pic.first_date(a), label(a.value).lower(), a.value))
            shown = [f"• {label(a.value)}" for a in names[:25]] + ([f"… and {m - 25} more"] if m > 25 else [])
            by_kind = ", ".join(f"{kinds[k]} {label(k)}" for k in sorted(kinds, key=lambda k: (-kinds[k], label(k))))
            tip = (f"{label(s)}–{label(t)}: {_plural(m, 'bilateral agreement')} ({by_kind}; {live} in force on "
                   f"{RELEASE_DATE})\n" + "\n".join(shown))
            opacity = 0.3 + 0.7 * min(1.0, m / 8)
            ink = "#fff" if opacity > 0.6 else "#111"
            parts.append(f'<g><title>{escape(tip)}</title><rect x="{_f(x + 1)}" y="{_f(y + 1)}" width="{cell - 2}" '
                         f'height="{cell - 2}" fill="{pic.colour[top_kind]}" fill-opacity="{opacity:.2f}"/>'
                         f'<text x="{_f(x + cell / 2)}" y="{_f(y + cell / 2 + 4)}" font-size="11.5" font-weight="700" '
                         f'text-anchor="middle" fill="{ink}">{m}</text></g>')
        for j, a in enumerate(multi):
            if s not in pic.parties[a]:
                continue
            x = mx0 + j * cell + cell / 2
            cat = pic.category(a, s)
            col = pic.colour[pic.kind[a]]
            fill = col if cat == "in-force" else "#fff"
            dash = ' stroke-dasharray="2 2"' if cat == "ended" else ""
            parts.append(f'<g><title>{escape(label(s))} in {escape(label(a.value))}: '
                         f"{escape(pic.status_text(a, s))}</title>"
                         f'<rect x="{_f(x - 7)}" y="{_f(y + cell / 2 - 7)}" width="14" height="14" fill="{fill}" '
                         f'stroke="{col}" stroke-width="2"{dash}/></g>')
        rows.append("<g>" + "".join(parts) + "</g>")
    out.append('<g id="rows">' + "".join(rows) + "</g>")
    # legend, right of the matrix
    lx = mx0 + len(multi) * cell + 30
    legend, ly = _legend_types(pic, agreements, lx, y0 + 4, "Most common type")
    ly += 10
    for fill, text, dash in (("col", "party, in force", ""), ("#fff", "party, not in force or not recorded", ""),
                             ("#fff", "party, no longer in force", ' stroke-dasharray="2 2"')):
        legend.append(f'<rect x="{_f(lx + 9)}" y="{_f(ly - 11)}" width="14" height="14" '
                      f'fill="{"#555" if fill == "col" else fill}" stroke="#555" stroke-width="2"{dash}/>'
                      f'<text x="{_f(lx + 40)}" y="{_f(ly)}" font-size="13">{escape(text)}</text>')
        ly += 21
    for line in ("Darker cells: more agreements.", "Hover a cell for the list; click a",
                 "state's number for its picture."):
        ly += 17
        legend.append(f'<text x="{_f(lx)}" y="{_f(ly)}" font-size="12" fill="#555">{escape(line)}</text>')
    out.append('<g id="legend">' + "".join(legend) + "</g>")
    height = max(y0 + n * cell + 50, ly + 30)
    return _svg(width, height, title, out)


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


def timeline_svg(idx: GraphIndex, state: str | None = None, pic: Pictures | None = None) -> str:
    """The agreements of `state` (default: the centre state), grouped by partner, on a time axis."""
    pic = pic or Pictures(idx)
    centre = state or pic.centre()
    label = pic.label
    if centre is None or centre not in pic.of_state:
        return _empty_svg("No dated acts on agreements in the graph yet.")
    groups: dict[str, list] = defaultdict(list)
    for a in pic.of_state[centre]:
        if not pic.acts[a]:
            continue
        others = [p for p in pic.parties[a] if p != centre]
        groups[others[0] if len(others) == 1 else ("~multi" if others else "~none")].append(a)
    if not groups:
        return _empty_svg(f"{label(centre)}: no dated acts on its agreements in the graph yet.")
    order = sorted(groups, key=lambda g: (g.startswith("~"), g if g.startswith("~") else label(g).lower(), g))
    rows = []  # (group, first row of its group?, agreement)
    for g in order:
        members = sorted(groups[g], key=lambda a: (pic.first_date(a), label(a.value).lower(), a.value))
        rows += [(g, i == 0, a) for i, a in enumerate(members)]
    lo = math.floor(min(pic.acts[a][0][0] for _, _, a in rows))
    hi = max(math.ceil(max(max(x[1] for x in pic.acts[a]) for _, _, a in rows) + 1e-9), TODAY.year + 1)
    lo, hi = lo - 1, hi + 1
    span = hi - lo
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100) if span / s <= 12)
    left, plot_w, right_w, top, row_h = 540, 860, 250, 128, 21
    X = lambda t: left + (t - lo) / span * plot_w  # noqa: E731
    bottom = top + row_h * len(rows)
    height = bottom + 70
    width = left + plot_w + right_w
    out = []
    title = f"Timeline of the agreements of {label(centre)} — pactgraph {VERSION} ({RELEASE_DATE})"
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
    out.append(f'<line x1="20" y1="80" x2="52" y2="80" stroke="#2ca02c" stroke-width="3" stroke-opacity="0.45"/>'
               f'<text x="60" y="84" font-size="12">in force for {escape(label(centre))} on {RELEASE_DATE}, '
               "the release "
               "date (the dashed vertical line); agreement names without the two states' names in front</text>")
    # axis and grid
    first_tick = lo + (-lo) % step
    grid = []
    for t in range(first_tick, hi + 1, step):
        x = X(t)
        grid.append(f'<line x1="{_f(x)}" y1="{top - 8}" x2="{_f(x)}" y2="{bottom}" stroke="#e3e6ea"/>')
        for yy in (top - 14, bottom + 18):
            grid.append(f'<text x="{_f(x)}" y="{yy}" font-size="12" text-anchor="middle" fill="#555">{t}</text>')
    out.append('<g id="axis">' + "".join(grid) + "</g>")
    today_x = X(_year_fraction(TODAY))
    bands = []
    for i, (g, first, a) in enumerate(rows):
        y = top + row_h * i + row_h / 2
        if first:
            n_rows = sum(1 for r in rows if r[0] == g)
            shade = "#f3f5f8" if order.index(g) % 2 == 0 else "#ffffff"
            bands.append(f'<rect x="10" y="{_f(y - row_h / 2)}" width="{width - 20}" height="{row_h * n_rows}" '
                         f'fill="{shade}"/>')
            if i:
                bands.append(f'<line x1="10" y1="{_f(y - row_h / 2)}" x2="{width - 10}" y2="{_f(y - row_h / 2)}" '
                             'stroke="#c9d0d8"/>')
    out.append('<g id="bands">' + "".join(bands) + "</g>")
    out.append(f'<line x1="{_f(today_x)}" y1="{top - 8}" x2="{_f(today_x)}" y2="{bottom}" stroke="#888" '
               f'stroke-dasharray="3 3"/><text x="{_f(today_x)}" y="{top - 26}" font-size="11" text-anchor="middle" '
               f'fill="#555">{RELEASE_DATE}</text>')
    for i, (g, first, a) in enumerate(rows):
        acts = pic.acts[a]
        y = top + row_h * i + row_h / 2
        parts = []
        if first:
            n_in = sum(1 for r in rows if r[0] == g)
            if g.startswith("~"):
                head = "3+ parties" if g == "~multi" else "no other party"
                parts.append(f'<text x="20" y="{_f(y + 4)}" font-size="12.5" font-weight="700" fill="#111">'
                             f"{escape(head)} ({n_in})</text>")
            else:
                parts.append(_a(g, f'<text x="20" y="{_f(y + 4)}" font-size="12.5" font-weight="700" fill="#111">'
                                   f"{escape(_truncate(label(g), 20))} ({n_in})</text>",
                                f"{label(g)}: {_plural(n_in, 'agreement')} with {label(centre)}"))
        name = short = label(a.value)
        for prefix in (f"{label(centre)}–{label(g)} ", f"{label(g)}–{label(centre)} "):
            if not g.startswith("~") and name.startswith(prefix) and len(name) > len(prefix) + 3:
                short = name[len(prefix):]
                short = short[0].upper() + short[1:]
        parts.append(_a(a.value, f'<text x="{left - 12}" y="{_f(y + 4)}" font-size="12" text-anchor="end" '
                                 f'fill="#0b5cad">{escape(_truncate(short, 52))}</text>',
                        name))
        x0, x1 = X(acts[0][0]), X(max(x[1] for x in acts))
        parts.append(f'<line x1="{_f(x0)}" y1="{_f(y)}" x2="{_f(x1)}" y2="{_f(y)}" stroke="#b8c0c8" '
                     'stroke-width="1.5"/>')
        if pic.category(a, centre) == "in-force":
            parts.append(f'<line x1="{_f(x1)}" y1="{_f(y)}" x2="{_f(today_x)}" y2="{_f(y)}" stroke="#2ca02c" '
                         'stroke-width="3" stroke-opacity="0.45"/>')
        for start, end, prec, cls, act, text in acts:
            col, shape = ACT_STYLE.get(cls, OTHER_ACT)
            tip = f"{text} — {label(cls)}: {label(act.value)}"
            if prec in ("month", "year", "range"):
                w = max(3.0, X(end) - X(start))
                inner = (f'<rect x="{_f(X(start))}" y="{_f(y - 6)}" width="{_f(w)}" height="12" rx="2" fill="{col}" '
                         f'fill-opacity="0.35" stroke="{col}" stroke-width="1.2"/>')
            else:
                inner = _marker(shape, X(start), y, col)
            parts.append(_a(act.value, inner, tip))
        # the latest act: the one known to have happened last (a month or year counts from its end)
        last = max(acts, key=lambda x: (x[1], STEP.get(x[3], len(STEP)), x[4].value))
        parts.append(f'<text x="{left + plot_w + 14}" y="{_f(y + 4)}" font-size="11.5" fill="#444">'
                     f"{escape(_truncate(label(last[3]), 22))} {escape(last[5].split(' to ')[0])}</text>")
        out.append("<g>" + "".join(parts) + "</g>")
    foot = bottom + 48
    note = (f"{_plural(len(rows), 'agreement')} of {label(centre)} with dated acts, grouped by partner; "
            "the right column gives each one's latest dated act.")
    out.append(f'<text x="20" y="{foot}" font-size="12" fill="#555">{escape(note)}</text>')
    out.append(f'<a href="network-overview.svg"><text x="{width - 20}" y="{foot}" font-size="12" text-anchor="end" '
               'fill="#0b5cad">Other states: the overview →</text></a>')
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


def picture_states(idx: GraphIndex) -> list[tuple[str, str, str, bool]]:
    """(alpha-2 code, IRI, English label, is the centre?) of every state with pictures of its own (a party to
    an agreement), sorted by label. The centre is the state of network.svg and timeline.svg."""
    count: Counter = Counter()
    for a in idx.resources:
        if idx.is_a(a, AGREEMENT):
            for p in {p.value for p in idx.values(a, PG + "hasParty") if isinstance(p, ox.NamedNode)}:
                if state_code(p):
                    count[p] += 1
    centre = CENTRE if CENTRE in count else min(count, key=lambda s: (-count[s], state_code(s)), default=None)
    return sorted(((state_code(s), s, idx.label(s) or s.rsplit("/", 1)[-1], s == centre) for s in count),
                  key=lambda t: (t[2].lower(), t[0]))


def write_pictures(idx: GraphIndex, folder) -> dict[str, int]:
    """Write every picture under folder/site/; returns relative file name -> size in bytes."""
    pic = Pictures(idx)
    svgs = {"site/network.svg": network_svg(idx, pic=pic), "site/timeline.svg": timeline_svg(idx, pic=pic),
            "site/network-overview.svg": overview_svg(idx, pic=pic),
            "site/network-matrix.svg": matrix_svg(idx, pic=pic)}
    for s in pic.states:
        code = state_code(s)
        svgs[f"site/network-{code}.svg"] = network_svg(idx, s, pic=pic)
        svgs[f"site/timeline-{code}.svg"] = timeline_svg(idx, s, pic=pic)
    sizes = {}
    for name, svg in svgs.items():
        data = svg.encode("utf-8")
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        sizes[name] = len(data)
    return sizes
