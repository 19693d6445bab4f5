# SPDX-License-Identifier: GPL-2.0
"""A strict reader of the Prometheus text exposition format (0.0.4) and
of OpenMetrics 1.0.0, written from the formats' specifications for the
tests, independent of clonetrace's writer (userspace/metrics.c).

parse(text, openmetrics=False) -> Exposition: the samples by (name,
labels), the families' types, HELP and UNIT; a ValueError names the
first line that breaks the format.
"""

import re

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
SAMPLE = re.compile(r"^(%s)(\{.*\})? (\S+)$" % NAME)
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
OM_TYPES = {"counter", "gauge", "histogram", "gaugehistogram",
            "stateset", "info", "summary", "unknown"}


def labels_of(text, where):
    """{...} -> dict; the value escapes are \\\\, \\" and \\n, nothing
    else."""
    assert text[0] == "{" and text[-1] == "}"
    body, out, i = text[1:-1], {}, 0
    while i < len(body):
        m = re.match(r"(%s)=\"" % LABEL, body[i:])
        if not m:
            raise ValueError("%s: bad label at %r" % (where, body[i:]))
        name = m.group(1)
        i += m.end()
        val = []
        while True:
            if i >= len(body):
                raise ValueError("%s: unterminated label value" % where)
            c = body[i]
            if c == "\\":
                nxt = body[i + 1:i + 2]
                if nxt not in ("\\", '"', "n"):
                    raise ValueError("%s: bad escape \\%s" % (where, nxt))
                val.append({"\\": "\\", '"': '"', "n": "\n"}[nxt])
                i += 2
                continue
            if c == '"':
                i += 1
                break
            if c == "\n":
                raise ValueError("%s: raw newline in a label" % where)
            val.append(c)
            i += 1
        if name in out:
            raise ValueError("%s: label %s twice" % (where, name))
        out[name] = "".join(val)
        if i < len(body):
            if body[i] != ",":
                raise ValueError("%s: expected ',' at %r" % (where,
                                                            body[i:]))
            i += 1
    return out


class Exposition:
    def __init__(self):
        self.samples = {}       # (name, frozenset of label items) -> float
        self.types = {}         # family -> type
        self.help = {}
        self.unit = {}

    def get(self, name, **labels):
        return self.samples.get((name, frozenset(labels.items())))

    def series(self, name):
        """[(labels dict, value)] of one metric name."""
        return [(dict(k[1]), v) for k, v in self.samples.items()
                if k[0] == name]


def family_of(name, types, openmetrics):
    """The family a sample belongs to (OpenMetrics: without _total,
    _info ...)."""
    if name in types:
        return name
    for suffix in ("_total", "_info", "_created", "_bucket", "_count",
                   "_sum"):
        if openmetrics and name.endswith(suffix) and \
                name[:-len(suffix)] in types:
            return name[:-len(suffix)]
    return None


def parse(text, openmetrics=False):
    exp = Exposition()
    lines = text.split("\n")
    if lines[-1] != "":
        raise ValueError("no newline at the end")
    lines = lines[:-1]
    if openmetrics:
        if not lines or lines[-1] != "# EOF":
            raise ValueError("OpenMetrics without '# EOF' last")
        lines = lines[:-1]
    seen_families = []
    for n, line in enumerate(lines, 1):
        where = "line %d %r" % (n, line)
        if line.startswith("#"):
            m = re.match(r"^# (HELP|TYPE|UNIT) (%s) ?(.*)$" % NAME, line)
            if not m:
                if openmetrics:
                    raise ValueError("%s: bad comment" % where)
                continue
            kind, name, rest = m.groups()
            if kind == "TYPE":
                allowed = OM_TYPES if openmetrics else TYPES
                if rest not in allowed or name in exp.types:
                    raise ValueError("%s: bad or repeated TYPE" % where)
                exp.types[name] = rest
                seen_families.append(name)
            elif kind == "HELP":
                exp.help[name] = rest
            elif not openmetrics:
                raise ValueError("%s: UNIT in the text format" % where)
            else:
                if not name.endswith("_" + rest):
                    raise ValueError("%s: unit not the name's suffix"
                                     % where)
                exp.unit[name] = rest
            continue
        if not line:
            raise ValueError("%s: empty line" % where)
        m = SAMPLE.match(line)
        if not m:
            raise ValueError("%s: not a sample" % where)
        name, labels, value = m.groups()
        fam = family_of(name, exp.types, openmetrics)
        if fam is None:
            raise ValueError("%s: no TYPE for %s" % (where, name))
        if seen_families[-1] != fam:
            raise ValueError("%s: family %s interleaved" % (where, fam))
        typ = exp.types[fam]
        if openmetrics and typ == "counter" and name != fam + "_total":
            raise ValueError("%s: OpenMetrics counter sample %s" %
                             (where, name))
        if openmetrics and typ == "info" and name != fam + "_info":
            raise ValueError("%s: OpenMetrics info sample %s" %
                             (where, name))
        key = (name, frozenset(labels_of(labels, where).items()
                               if labels else ()))
        if key in exp.samples:
            raise ValueError("%s: duplicate series" % where)
        exp.samples[key] = float(value)
    return exp
