#!/usr/bin/env python3
"""Random kustomize trees that stress YAML values, generators, replacements and vars.

Contract: `gen_values.py OUT_DIR --seed S` writes trees under OUT_DIR and prints the
directories to build, one per line. The same seed always writes the same trees.

What it covers (each tree draws a random mix):
- YAML values and emission: scalars that look like numbers, bools, nulls, dates, octal,
  hex, floats, infinities; empty strings, `: ` and ` #` inside strings, leading and
  trailing spaces, quotes, backslashes, tabs, unicode and emoji, very long lines (line
  folding on output), multi-line strings written as literal (`|`, `|-`, `|+`), folded
  (`>`) or quoted scalars; keys needing quotes; typed values (ints, floats, bools, nulls,
  empty maps and lists, deep nesting) in custom resources; comments, document separators,
  empty documents, flow-style collections, anchors and aliases, CRLF line endings, a BOM,
  keys with digits, upper case and symbols. Every file is written in a randomly drawn
  style (indentation, sequence indentation, quoting preferences).
- configMapGenerator / secretGenerator: literals (with `=` and quotes in values), files
  (with custom keys, binary content that lands in binaryData), env files (comments, blank
  lines, quoted values, values containing `=`), behavior create/merge/replace in an
  overlay, per-generator options (labels, annotations, disableNameSuffixHash, immutable),
  generatorOptions in base and overlay, secret types, and references to the generated
  (hash-suffixed) names from a Deployment, through prefixes and suffixes of an overlay.
- replacements (inline and from a file; sources with list selectors, delimiter and index
  options; targets with select/reject, wildcards, create), vars ($(VAR) in command, args
  and env with objref/fieldref), configurations (custom nameReference, commonLabels and
  varReference field specs for a custom kind), crds (OpenAPI definitions file) and
  buildMetadata.
About one tree in ten is invalid on purpose (both tools must reject it).
"""
import argparse
import base64
import os
import random
import re

# ---------------------------------------------------------------------------
# Random values

TRICKY = [
    # look like numbers
    "1e3", "1E3", "0x1F", "0X1f", "012", "0o17", "0b101", "1_000", "+1", "-0", ".5", "5.",
    "1.0", "3.14", "-2.5e-3", "1e-3", "0777", "08", "09", "1,000", "1.2.3", "100", "-7",
    "123456789012345678901234567890", "6.02e+23", "0.0", "00", "0", "1:30", "12:30:45",
    "190:20:30", "0x", "1e", "e3", "+.5", "-.5", "1.", "0xFFFFFFFFFFFFFFFFF",
    # infinities, NaN
    ".inf", "-.inf", "+.inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN", "inf", "nan", "Infinity",
    # bools (1.1 and 1.2)
    "yes", "no", "on", "off", "y", "n", "Y", "N", "true", "True", "TRUE", "false", "False",
    "FALSE", "Yes", "NO", "On", "OFF", "tRue", "yEs",
    # nulls
    "~", "null", "Null", "NULL", "", "nULL",
    # dates and times
    "2024-01-01", "2024-01-01T10:00:00Z", "2001-12-14t21:59:43.10-05:00", "2002-12-14",
    "2024-1-1", "2001-12-14 21:59:43.10 -5", "12:00", "2024-01-01T10:00:00",
    # indicators and structure
    "=", "<<", "-", "--", "---", "...", "?", ":", "- a", "? x", "a: b", "a #b", "#c", "a#b",
    "@x", "`x", "!tag", "!!str", "&anc", "*ali", "%x", "|", ">", "{a}", "[a]", "a,b", "{}",
    "[]", "'q'", '"dq"', "it's", 'say "hi"', "back\\slash", "c:\\path\\to", "tab\there",
    "\tleadtab", " lead", "trail ", "  ", " ", "a  b", "ünïcödé", "日本語", "emoji 🚀",
    "\u00a0nbsp", "zero\u200bwidth", "a\nb", "multi\nline\n", "trailing\n\n", "\nleading",
    "x: y\nz: w\n", "line1\n  indented\nline3", "ends with space \n", "#!/bin/sh\necho hi\n",
    "a:b", "http://example.com:8080/path?q=1#frag", "key=value", "a=b=c", "$(VAR)",
    "${ENV}", "%d", "\\n", "\\", "'", '"', "''", "a'b'c", "50%", "*", "&", "!", "- - -",
    "-1-", ":x", "x:", "x :", "--flag=value", "-Dprop=1", "[1, 2]", "{a: 1}", "null value",
    "true story", "0.1.2-rc1", "v1.2.3", "sha256:abcdef", "\x7f", "bell\x07", "nul\x00x",
    "cr\rx", "\u2028sep", "\ufeffbom", "ends-with-colon:", "question?", "@@", "a|b",
]

WORDS = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
    "sigma tau upsilon phi chi psi omega server client cache proxy frontend backend worker "
    "queue redis postgres nginx api web db auth metrics log level debug info warn error "
    "timeout retry max min pool size host port path url user name region zone cluster"
).split()

KEY_POOL = [
    "a", "b", "Z", "A1", "a1", "1a", "10", "2", "_x", "x_y", "x-y", "x.y", "camelCase",
    "UPPER", "key with space", "k:v", "true", "null", "~", "yes", "012", "1e3", "é", "日本",
    "app.kubernetes.io/name", "example.com/key", "-dash", ".dot", "@at", "$dollar", "#hash",
    "", "a b c", "0", "00", "-1", "3.5", "on", "=", "<<z", "k\"q", "k'q", "back\\k",
]

CM_KEY_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."


class Shared:
    """A value written once with an anchor and then as aliases."""

    def __init__(self, value):
        self.value = value


class Gen:
    def __init__(self, rng):
        self.rng = rng

    def chance(self, p):
        return self.rng.random() < p

    def word(self):
        return self.rng.choice(WORDS)

    def name(self):
        n = self.word()
        if self.chance(0.5):
            n += "-" + self.word()
        if self.chance(0.3):
            n += str(self.rng.randint(0, 99))
        return n

    def long_line(self):
        n = self.rng.randint(60, 260)
        parts = []
        while sum(len(p) + 1 for p in parts) < n:
            if self.chance(0.1):
                parts.append(self.rng.choice(TRICKY).replace("\n", " "))
            else:
                parts.append(self.word())
        sep = " " if self.chance(0.85) else self.rng.choice(["  ", ",", ", ", " - "])
        s = sep.join(parts)
        if self.chance(0.15):
            s = s.replace(" ", "")
        return s

    def multiline(self):
        kind = self.rng.randint(0, 5)
        if kind == 0:  # properties file
            lines = [f"{self.word()}.{self.word()}={self.scalar_str(False)}" for _ in range(self.rng.randint(1, 5))]
        elif kind == 1:  # json blob
            lines = ["{"] + [f'  "{self.word()}": "{self.word()}",' for _ in range(self.rng.randint(1, 4))] + ['  "end": true', "}"]
        elif kind == 2:  # shell script
            lines = ["#!/bin/sh", "set -e", f"echo \"{self.word()}: $1\"", f"exec {self.word()} --{self.word()}=1"]
        elif kind == 3:  # nginx-ish
            lines = ["server {", f"    listen {self.rng.randint(80, 9000)};", "    location / {",
                     f"        proxy_pass http://{self.word()};", "    }", "}"]
        elif kind == 4:  # yaml-in-yaml
            lines = [f"{self.word()}: {self.rng.choice(TRICKY[:60])}" for _ in range(self.rng.randint(1, 4))]
            lines += ["list:", "  - a", "  - " + self.word()]
        else:  # prose with odd whitespace
            lines = [self.long_line() if self.chance(0.3) else " ".join(self.word() for _ in range(self.rng.randint(0, 8)))
                     for _ in range(self.rng.randint(1, 6))]
            if self.chance(0.3):
                lines.insert(self.rng.randint(0, len(lines)), "  indented " + self.word())
            if self.chance(0.2):
                lines.append("trailing spaces   ")
            if self.chance(0.2):
                lines.insert(1, "")
        s = "\n".join(lines)
        r = self.rng.random()
        if r < 0.55:
            s += "\n"
        elif r < 0.7:
            s += "\n\n"
        return s

    def odd_string(self, allow_multi=True):
        """Strings built to hit the emitter's quoting, escaping and folding rules."""
        k = self.rng.randint(0, 13)
        w = self.long_line()
        if k == 0:
            return w + "\t" + self.word()
        if k == 1:
            return " " + w
        if k == 2:
            return w + " "
        if k == 3:
            return w.replace(" ", " #", 1)
        if k == 4:
            return w[:40] + ": " + w[40:]
        if k == 5:
            return "é" * self.rng.randint(30, 90) + " " + "日本語 " * self.rng.randint(5, 30)
        if k == 6:
            return "x" * self.rng.randint(70, 200)
        if k == 7 and allow_multi:
            return self.multiline().replace("\n", " \n", 1)
        if k == 8 and allow_multi:
            return "\n" * self.rng.randint(1, 3)
        if k == 9 and allow_multi:
            return "  lead\nline\n"
        if k == 10 and allow_multi:
            return "a\n\tb\n"
        if k == 11:
            return w + "\x1b[0m" if self.chance(0.3) else "'" + w + "'"
        if k == 12:
            return '"' + w + '"'
        return w.upper() + " " + self.rng.choice(TRICKY[:80]).replace("\n", "")

    def scalar_str(self, allow_multi=True):
        if self.chance(0.15):
            return self.odd_string(allow_multi)
        r = self.rng.random()
        if r < 0.45:
            return self.rng.choice(TRICKY)
        if r < 0.6:
            return self.name()
        if r < 0.7:
            return self.long_line()
        if r < 0.8 and allow_multi:
            return self.multiline()
        if r < 0.9:
            a, b = self.rng.choice(TRICKY), self.rng.choice(TRICKY)
            return a + self.rng.choice(["", " ", "-", ":", "=", "/"]) + b
        return str(self.rng.choice([self.rng.randint(-1000, 100000), round(self.rng.uniform(-100, 100), 3)]))

    def typed(self):
        r = self.rng.random()
        if r < 0.4:
            return self.scalar_str()
        if r < 0.55:
            return self.rng.choice([0, 1, -1, 42, 8080, 65536, 2**31, 2**53 + 1, -(2**40), 10**20, 7])
        if r < 0.65:
            return self.rng.choice([0.5, 1.0, -0.0, 3.14159, 1e10, 1e-7, 2.5e20, 100.0, 1e21, 0.1 + 0.2])
        if r < 0.75:
            return self.rng.choice([True, False])
        if r < 0.8:
            return None
        if r < 0.85:
            return self.rng.choice([{}, []])
        return self.scalar_str()

    def tree(self, depth=0):
        if depth >= 4 or self.chance(0.2 + depth * 0.15):
            return self.typed()
        if self.chance(0.5):
            d = {}
            for _ in range(self.rng.randint(1, 5)):
                d[self.key()] = self.tree(depth + 1)
            return d
        return [self.tree(depth + 1) for _ in range(self.rng.randint(1, 4))]

    def key(self):
        r = self.rng.random()
        if r < 0.5:
            return self.rng.choice(KEY_POOL)
        if r < 0.8:
            return self.word()
        return self.word() + self.rng.choice(["", "_", "-", ".", "/"]) + self.rng.choice(["X", "2", "b", "Z9"])

    def cm_key(self):
        if self.chance(0.6):
            k = self.rng.choice([self.word(), self.word().upper(), self.word() + ".conf", self.word() + ".properties",
                                 "A", "_a", "a.b", "a-b", "1", "10", "Z", "-a", ".env", "a_B-c.d"])
        else:
            k = "".join(self.rng.choice(CM_KEY_CHARS) for _ in range(self.rng.randint(1, 12)))
        return k


# ---------------------------------------------------------------------------
# A YAML writer with randomised styles. It writes what the data says except where a
# plain scalar is chosen for a string that YAML resolves to another type: that is on
# purpose (users write `version: 1.0` too).

PLAIN_FIRST_BAD = set("-?:,[]{}#&*!|>'\"%@` \t")
FLOW_BAD = set(",[]{}")


def plain_ok(s, flow):
    if not s or s != s.strip(" \t") or "\n" in s or "\r" in s:
        return False
    if any(ord(c) < 0x20 or c in "\x7f\u2028\u2029\ufeff\u0085\u00a0" for c in s):
        return False
    if s[0] in PLAIN_FIRST_BAD:
        if s[0] in "-?:" and len(s) > 1 and s[1] not in " \t" and not (flow and s[1] in FLOW_BAD) and not s.startswith("---"):
            pass
        else:
            return False
    if ": " in s or " #" in s or s.endswith(":") or "\t" in s:
        return False
    if flow and (any(c in FLOW_BAD for c in s) or ":" in s):
        return False
    if s in ("...", "---"):
        return False
    return True


def dq(s, rng):
    out = []
    for c in s:
        o = ord(c)
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t" if rng.random() < 0.7 else "\t")
        elif c == "\r":
            out.append("\\r")
        elif o < 0x20 or o == 0x7f:
            out.append("\\x%02x" % o)
        elif c in "\u2028\u2029\u0085\ufeff\u00a0":
            out.append("\\u%04x" % o)
        elif o > 0x7f and rng.random() < 0.2:
            out.append("\\u%04x" % o if o <= 0xFFFF else "\\U%08x" % o)
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def sq_ok(s):
    return not any(ord(c) < 0x20 or c in "\x7f\u2028\u2029\u0085\ufeff" for c in s)


def block_ok(s):
    if any((ord(c) < 0x20 and c not in "\n\t") or c in "\x7f\u2028\u2029\u0085\ufeff\r" for c in s):
        return False
    lines = s.split("\n")
    # A first line that is blank but followed by more-indented text confuses indentation
    # detection; a tab where indentation is detected is not allowed.
    for ln in lines:
        if ln.strip(" ") == "":
            continue
        if ln[0] == "\t":
            return False
        break
    for ln in lines:
        if ln and ln.strip(" ") == "" and len(ln) > 0:
            return False  # whitespace-only lines are ambiguous with indentation
    return True


class Writer:
    def __init__(self, rng, quote_bias=None):
        self.rng = rng
        self.step = rng.choice([2, 2, 2, 4, 3])
        self.seq_indent = rng.random() < 0.5
        self.flow_p = rng.choice([0.0, 0.05, 0.2])
        self.comment_p = rng.choice([0.0, 0.0, 0.05, 0.15])
        self.quote_bias = quote_bias if quote_bias is not None else rng.choice(["plain", "single", "double", "mixed"])
        self.anchors = {}
        self.anchor_n = 0

    def chance(self, p):
        return self.rng.random() < p

    # Inline scalar text (no block styles); None when it cannot be inline.
    def inline_scalar(self, v, flow=False, force_string=False):
        if v is None:
            return self.rng.choice(["null", "~", "null", "Null"]) if not force_string else '""'
        if isinstance(v, bool):
            t = "true" if v else "false"
            return t if not force_string else '"' + t + '"'
        if isinstance(v, int):
            return str(v)
        if isinstance(v, float):
            r = repr(v)
            if r in ("inf", "-inf", "nan"):
                r = {"inf": ".inf", "-inf": "-.inf", "nan": ".nan"}[r]
            return r
        s = v
        style = self.quote_bias
        if style == "mixed":
            style = self.rng.choice(["plain", "single", "double"])
        if style == "plain" and plain_ok(s, flow) and (not force_string or self.chance(0.3)):
            return s
        if style in ("single", "plain") and sq_ok(s) and "\n" not in s:
            return "'" + s.replace("'", "''") + "'"
        return dq(s, self.rng)

    def key_text(self, k, flow=False):
        if isinstance(k, str) and plain_ok(k, flow) and self.chance(0.85):
            return k
        if isinstance(k, str) and sq_ok(k) and "\n" not in k and self.chance(0.5):
            return "'" + k.replace("'", "''") + "'"
        return dq(str(k), self.rng) if isinstance(k, str) else self.inline_scalar(k, flow)

    def flow(self, v):
        if isinstance(v, Shared):
            return self.flow(v.value)
        if isinstance(v, dict):
            if not v:
                return "{}"
            return "{" + ", ".join(f"{self.key_text(k, True)}: {self.flow(x)}" for k, x in v.items()) + "}"
        if isinstance(v, list):
            if not v:
                return "[]"
            return "[" + ", ".join(self.flow(x) for x in v) + "]"
        return self.inline_scalar(v, flow=True)

    def flowable(self, v, depth=0):
        if isinstance(v, Shared):
            return False
        if isinstance(v, dict):
            return depth < 3 and all(self.flowable(x, depth + 1) for x in v.values())
        if isinstance(v, list):
            return depth < 3 and all(self.flowable(x, depth + 1) for x in v)
        if isinstance(v, str):
            return "\n" not in v and len(v) < 60
        return True

    def block_scalar(self, s, indent, parent_indent, allow_indicator=True):
        """Header and content lines of a literal or folded scalar, or None."""
        if not block_ok(s):
            return None
        lines = s.split("\n")
        trail = 0
        while lines and lines[-1] == "" and len(lines) > 1:
            lines.pop()
            trail += 1
        if trail == 0:
            chomp = "-"
        elif trail == 1:
            chomp = ""
        else:
            chomp = "+"
        folded = self.chance(0.25)
        header = ">" if folded else "|"
        first = next((ln for ln in lines if ln), "")
        ind = ""
        if first.startswith(" ") or (lines and lines[0] == "" and len(lines) > 1):
            if not allow_indicator:
                return None
            ind = str(indent - parent_indent)
            if not (1 <= int(ind) <= 9):
                return None
        header += ind + chomp if self.chance(0.5) else chomp + ind
        if len(lines) == 1 and lines[0] == "" and trail == 0:
            body = []
        else:
            body = [(" " * indent + ln) if ln else "" for ln in lines] + [""] * (trail - 1 if trail > 1 else 0)
        if trail >= 1 and lines == [""]:
            # the value is only newlines: `|+` with blank lines
            body = [""] * trail
            header = ("|" + ind + "+")
        return header, body

    def anchor_prefix(self, v):
        """('&a ', False) the first time a Shared is written, ('*a', True) afterwards."""
        key = id(v)
        if key in self.anchors:
            return "*" + self.anchors[key], True
        self.anchor_n += 1
        name = self.rng.choice(["a", "ref", "base", "x", "anchor_"]) + str(self.anchor_n)
        self.anchors[key] = name
        return "&" + name, False

    def value_after_key(self, v, indent):
        """Lines for `key:` + value; first element is the suffix after the colon."""
        anchor = ""
        if isinstance(v, Shared):
            a, is_alias = self.anchor_prefix(v)
            if is_alias:
                return [" " + a], []
            anchor = " " + a
            v = v.value
        if isinstance(v, (dict, list)) and v and not (self.flow_p and self.chance(self.flow_p) and self.flowable(v)):
            child = indent + self.step
            if isinstance(v, list) and not self.seq_indent:
                child = indent
            return [anchor], self.block(v, child)
        if isinstance(v, (dict, list)):
            return [anchor + " " + self.flow(v)], []
        if isinstance(v, str) and ("\n" in v or (len(v) > 50 and self.chance(0.1))) and self.chance(0.75):
            bs = self.block_scalar(v, indent + self.step, indent)
            if bs:
                return [anchor + " " + bs[0]], bs[1]
        text = self.inline_scalar(v)
        suffix = anchor + " " + text
        if self.comment_p and self.chance(self.comment_p) and not text.endswith(":"):
            suffix += " # " + self.rng.choice(WORDS)
        return [suffix], []

    def block(self, v, indent):
        pad = " " * indent
        out = []
        if isinstance(v, dict):
            for k, x in v.items():
                if self.comment_p and self.chance(self.comment_p):
                    out.append(pad + "# " + " ".join(self.rng.choice(WORDS) for _ in range(3)))
                head, rest = self.value_after_key(x, indent)
                out.append(pad + self.key_text(k) + ":" + head[0])
                out.extend(rest)
            return out
        for x in v:
            inner = indent + 2
            if isinstance(x, Shared):
                a, is_alias = self.anchor_prefix(x)
                if is_alias:
                    out.append(pad + "- " + a)
                    continue
                x = x.value
                if isinstance(x, (dict, list)) and x:
                    out.append(pad + "- " + a)
                    out.extend(self.block(x, inner))
                    continue
                out.append(pad + "- " + a + " " + self.flow(x))
                continue
            if isinstance(x, (dict, list)) and x and not (self.flow_p and self.chance(self.flow_p) and self.flowable(x)):
                sub = self.block(x, inner)
                # the first entry goes on the dash line unless it is a comment
                if sub and sub[0].startswith(" " * inner) and not sub[0].lstrip().startswith("#"):
                    sub[0] = pad + "- " + sub[0][inner:]
                    out.extend(sub)
                else:
                    out.append(pad + "-")
                    out.extend(sub)
                continue
            if isinstance(x, (dict, list)):
                out.append(pad + "- " + self.flow(x))
                continue
            if isinstance(x, str) and "\n" in x and self.chance(0.6):
                bs = self.block_scalar(x, inner, indent, allow_indicator=False)
                if bs:
                    out.append(pad + "- " + bs[0])
                    out.extend(bs[1])
                    continue
            out.append(pad + "- " + self.inline_scalar(x))
        return out

    def doc(self, v):
        self.anchors = {}
        if isinstance(v, (dict, list)) and v:
            return "\n".join(self.block(v, 0)) + "\n"
        return self.flow(v) + "\n"


def write_docs(g, path, docs, style=None, allow_weird=True):
    """Writes YAML documents to path in a random file-level style."""
    rng = g.rng
    w = Writer(rng, style)
    parts = []
    if allow_weird and g.chance(0.1):
        parts.append("# " + " ".join(g.word() for _ in range(4)) + "\n")
    lead_sep = allow_weird and g.chance(0.2)
    for i, d in enumerate(docs):
        text = w.doc(d)
        if i > 0 or lead_sep:
            sep = "---\n"
            if allow_weird and g.chance(0.1):
                sep = "--- # " + g.word() + "\n"
            if allow_weird and g.chance(0.05):
                sep = "---\n---\n"  # an empty document between
            parts.append(sep)
        parts.append(text)
        if allow_weird and g.chance(0.05):
            parts.append("\n# trailing comment\n")
    if allow_weird and g.chance(0.08):
        parts.append("---\n")
    if allow_weird and g.chance(0.04):
        parts.append("...\n")
    text = "".join(parts)
    if allow_weird and g.chance(0.08):
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    if allow_weird and g.chance(0.05):
        data = b"\xef\xbb\xbf" + data
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def write_raw(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


# ---------------------------------------------------------------------------
# Kubernetes objects


def label_value(g):
    if g.chance(0.6):
        return g.name()
    return g.rng.choice(["true", "1.0", "012", "", "yes", "null", "1e3", "v1", "0x1F", "~", "2024-01-01", "a.b_c-d"])


def meta(g, name, labels=True, ann=True):
    m = {"name": name}
    if labels and g.chance(0.6):
        m["labels"] = {g.rng.choice(["app", "tier", "app.kubernetes.io/name", "team", "version", "x"]) + ("" if i == 0 else str(i)): label_value(g)
                       for i in range(g.rng.randint(1, 3))}
    if ann and g.chance(0.5):
        m["annotations"] = {g.rng.choice(["note", "example.com/desc", "config", "x", "kubectl.kubernetes.io/last-applied-configuration", "A", "z.io/long"]) + str(i): g.scalar_str()
                            for i in range(g.rng.randint(1, 3))}
    return m


def configmap(g, name):
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(g, name), "data": {}}
    for _ in range(g.rng.randint(0, 6)):
        v = g.scalar_str()
        if g.chance(0.05):
            v = g.typed()
        cm["data"][g.cm_key()] = v
    if not cm["data"] and g.chance(0.5):
        del cm["data"]
    if g.chance(0.1):
        cm["binaryData"] = {g.cm_key(): base64.b64encode(bytes(g.rng.randrange(256) for _ in range(g.rng.randint(1, 40)))).decode()}
    return cm


def secret(g, name):
    s = {"apiVersion": "v1", "kind": "Secret", "metadata": meta(g, name), "type": g.rng.choice(["Opaque", "kubernetes.io/tls", "Opaque"])}
    if g.chance(0.5):
        s["data"] = {g.cm_key(): base64.b64encode(g.scalar_str().encode()).decode() for _ in range(g.rng.randint(1, 3))}
    if g.chance(0.5):
        s["stringData"] = {g.cm_key(): g.scalar_str() for _ in range(g.rng.randint(1, 3))}
    return s


def custom(g, name, kind="Widget"):
    spec = {}
    for _ in range(g.rng.randint(1, 6)):
        spec[g.key()] = g.tree(1)
    if g.chance(0.06):
        base = Shared({g.key(): g.typed() for _ in range(g.rng.randint(1, 3))})
        spec["defaults"] = base
        derived = {"<<": base}
        if g.chance(0.7):
            derived[g.key()] = g.typed()
        spec["derived"] = derived
    if g.chance(0.15):
        shared = Shared(g.tree(2) if g.chance(0.6) else g.scalar_str(False))
        spec["primary"] = shared
        spec["secondary"] = shared
        if g.chance(0.5):
            spec["list"] = [shared, g.typed()]
    obj = {"apiVersion": g.rng.choice(["example.com/v1", "example.com/v1alpha1", "stable.example.com/v2"]),
           "kind": kind, "metadata": meta(g, name), "spec": spec}
    if g.chance(0.1):
        obj[g.rng.choice(["10", "true", "1.5", "x", "Zeta", "_under", "0x10", "null"])] = g.typed()
    if g.chance(0.2):
        obj["status"] = {"phase": g.scalar_str(False), "count": g.typed()}
    return obj


def container(g, cname, refs):
    c = {"name": cname, "image": g.rng.choice(["nginx", "nginx:1.25", "redis:7", "example.com/app@sha256:" + "a" * 64, "busybox"])}
    if g.chance(0.4):
        c["command"] = [g.rng.choice(["/bin/sh", "sh", "python3"]), "-c"] + [g.scalar_str() for _ in range(g.rng.randint(0, 2))]
    if g.chance(0.5):
        c["args"] = [g.rng.choice(["--port=8080", "--v=2", "$(POD_NAME)", "-x", g.scalar_str()]) for _ in range(g.rng.randint(1, 4))]
    env = []
    for _ in range(g.rng.randint(0, 4)):
        v = g.scalar_str()
        if g.chance(0.1):
            v = g.typed()
        env.append({"name": g.rng.choice(WORDS).upper() + "_" + str(g.rng.randint(0, 9)), "value": v})
    for kind, rname, key in refs:
        r = g.rng.random()
        if r < 0.4 and key:
            ref = "configMapKeyRef" if kind == "ConfigMap" else "secretKeyRef"
            env.append({"name": "FROM_" + rname.upper().replace("-", "_"), "valueFrom": {ref: {"name": rname, "key": key}}})
        elif r < 0.8:
            ref = "configMapRef" if kind == "ConfigMap" else "secretRef"
            c.setdefault("envFrom", []).append({ref: {"name": rname}})
    if env:
        c["env"] = env
    if g.chance(0.3):
        c["ports"] = [{"containerPort": g.rng.choice([80, 8080, 443]), "name": "http"}]
    return c


def deployment(g, name, refs):
    labels = {"app": name}
    cs = [container(g, "app", refs)]
    if g.chance(0.3):
        cs.append(container(g, "sidecar", []))
    podspec = {"containers": cs}
    vols = []
    for kind, rname, _ in refs:
        if g.chance(0.4):
            if kind == "ConfigMap":
                vols.append({"name": "v-" + rname, "configMap": {"name": rname}})
            else:
                vols.append({"name": "v-" + rname, "secret": {"secretName": rname}})
    if refs and g.chance(0.15):
        srcs = []
        for kind, rname, _ in refs:
            srcs.append({"configMap": {"name": rname}} if kind == "ConfigMap" else {"secret": {"name": rname}})
        vols.append({"name": "projected", "projected": {"sources": srcs}})
    if vols:
        podspec["volumes"] = vols
    if g.chance(0.1):
        sec = [r for r in refs if r[0] == "Secret"]
        if sec:
            podspec["imagePullSecrets"] = [{"name": sec[0][1]}]
    d = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(g, name),
         "spec": {"replicas": g.rng.randint(1, 5), "selector": {"matchLabels": dict(labels)},
                  "template": {"metadata": {"labels": dict(labels)}, "spec": podspec}}}
    if g.chance(0.2):
        d["spec"]["template"]["metadata"]["annotations"] = {"checksum/config": g.scalar_str(False)}
    return d


def service(g, name):
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta(g, name),
            "spec": {"selector": {"app": name}, "ports": [{"port": g.rng.choice([80, 443, 8080]), "targetPort": g.rng.choice([8080, "http", "8080"])}]}}


# ---------------------------------------------------------------------------
# Generators


def literal_line(g, key):
    v = g.scalar_str(False)
    if "\n" in v or "\r" in v:
        v = v.replace("\n", " ").replace("\r", " ")
    r = g.rng.random()
    if r < 0.1:
        v = '"' + v + '"'
    elif r < 0.15:
        v = "'" + v + "'"
    elif r < 0.2:
        v = v + "=" + g.word()
    elif r < 0.23:
        v = " " + v + " "
    elif r < 0.25:
        v = '"' + v
    elif r < 0.27:
        v = "\t" + v
    if g.chance(0.03):
        key = " " + key
    return key + "=" + v


def env_file(g):
    lines = []
    keys = []
    for _ in range(g.rng.randint(1, 6)):
        r = g.rng.random()
        if r < 0.1:
            lines.append("# " + g.word() + " = comment")
            continue
        if r < 0.15:
            lines.append("")
            continue
        if r < 0.18:
            lines.append("   ")
            continue
        k = g.rng.choice(WORDS).upper() + "_" + str(g.rng.randint(0, 99))
        keys.append(k)
        v = g.scalar_str(False).replace("\n", " ").replace("\r", "")
        r = g.rng.random()
        if r < 0.1:
            v = '"' + v + '"'
        elif r < 0.15:
            v = "'" + v + "'"
        elif r < 0.2:
            v = "a=b=" + v
        elif r < 0.25:
            v = ""
        elif r < 0.28:
            v = " " + v + "  "
        elif r < 0.3:
            v = "'" + v + '"'
        elif r < 0.32:
            v = v + " # not a comment"
        sp = " " if g.chance(0.05) else ""
        eq = " = " if g.chance(0.03) else "="
        pre = "export " if g.chance(0.02) else ""
        lines.append(sp + pre + k + eq + v)
    text = "\n".join(lines) + ("\n" if g.chance(0.8) else "")
    if g.chance(0.05):
        text = text.replace("\n", "\r\n")
    return text, keys


def file_content(g):
    r = g.rng.random()
    if r < 0.15:
        return bytes(g.rng.randrange(256) for _ in range(g.rng.randint(1, 64)))
    if r < 0.2:
        return b""
    if r < 0.25:
        return ("caf\u00e9 " + g.word()).encode("latin-1")  # not UTF-8
    return (g.multiline() if g.chance(0.7) else g.scalar_str()).encode("utf-8", "surrogatepass")


def gen_options(g):
    o = {}
    if g.chance(0.4):
        o["labels"] = {g.rng.choice(["gen", "app", "x.io/y"]): label_value(g)}
    if g.chance(0.4):
        o["annotations"] = {g.rng.choice(["note", "a.io/b"]): g.scalar_str(False)}
    if g.chance(0.3):
        o["disableNameSuffixHash"] = g.rng.choice([True, True, False])
    if g.chance(0.15):
        o["immutable"] = g.rng.choice([True, False])
    return o


def generator_entry(g, d, kind, name, behavior=None, existing_keys=None):
    """One configMapGenerator/secretGenerator entry; writes its files in d."""
    e = {"name": name}
    if behavior:
        e["behavior"] = behavior
    keys = []
    srcs = g.rng.sample(["literals", "files", "envs"], g.rng.randint(1, 3))
    if "literals" in srcs:
        lits = []
        for _ in range(g.rng.randint(1, 4)):
            k = g.cm_key() if not existing_keys or g.chance(0.5) else g.rng.choice(existing_keys)
            keys.append(k)
            lits.append(literal_line(g, k))
        if g.chance(0.03):
            lits.append(g.word())  # no '=': invalid
        e["literals"] = lits
    if "files" in srcs:
        fl = []
        for i in range(g.rng.randint(1, 3)):
            fname = g.rng.choice(["app.conf", "data.bin", "script.sh", "config.json", "x", "a.b.c", "README"]) 
            fname = f"{i}-{fname}" if g.chance(0.5) else fname + str(i)
            write_raw(os.path.join(d, "files", fname), file_content(g))
            if g.chance(0.4):
                k = g.cm_key()
                fl.append(f"{k}=files/{fname}")
                keys.append(k)
            else:
                fl.append(f"files/{fname}")
                keys.append(fname)
        e["files"] = fl
    if "envs" in srcs:
        el = []
        for i in range(g.rng.randint(1, 2)):
            text, ks = env_file(g)
            fn = f"{name}-{i}.env"
            write_raw(os.path.join(d, fn), text)
            keys.extend(ks)
            el.append(fn)
        if g.chance(0.15) and len(el) == 1:
            e["env"] = el[0]
        else:
            e["envs"] = el
    if kind == "Secret" and g.chance(0.3):
        e["type"] = g.rng.choice(["Opaque", "kubernetes.io/basic-auth", "example.com/custom"])
    if g.chance(0.35):
        e["options"] = gen_options(g)
    if g.chance(0.1):
        e["namespace"] = g.rng.choice(["default", "ns-" + g.word()])
    return e, keys


# ---------------------------------------------------------------------------
# Replacements, vars, configurations


def replacements(g, resources):
    """Replacements whose sources and targets are drawn from the given resources."""
    out = []
    deps = [r for r in resources if r["kind"] == "Deployment"]
    cms = [r for r in resources if r["kind"] == "ConfigMap" and r.get("data")]
    crs = [r for r in resources if r["kind"] == "Widget"]
    for _ in range(g.rng.randint(1, 3)):
        src = {}
        r = g.rng.random()
        if cms and r < 0.4:
            cm = g.rng.choice(cms)
            src = {"kind": "ConfigMap", "name": cm["metadata"]["name"], "fieldPath": "data." + g.rng.choice(list(cm["data"].keys()))}
        elif deps and r < 0.7:
            dp = g.rng.choice(deps)
            src = {"kind": "Deployment", "name": dp["metadata"]["name"],
                   "fieldPath": g.rng.choice(["spec.template.spec.containers.[name=app].image", "metadata.name",
                                              "spec.replicas", "spec.template.spec.containers.0.name",
                                              "spec.template.spec.containers.[name=app].env.0.value",
                                              "spec.template.spec.containers.[name=app]",
                                              "spec.template.spec.containers.[name=app].args",
                                              "metadata.labels", "spec.selector",
                                              "spec.template.spec.containers.[image=nginx].name",
                                              "metadata.annotations"])}
        elif crs:
            cr = g.rng.choice(crs)
            k = g.rng.choice(list(cr["spec"].keys()))
            src = {"kind": "Widget", "name": cr["metadata"]["name"], "fieldPath": "spec." + (k if "." not in k else "[" + k + "]")}
        else:
            src = {"kind": "ConfigMap", "name": "missing", "fieldPath": "data.x"}
        if g.chance(0.2):
            src["fieldPath"] = src["fieldPath"]
            src["options"] = {"delimiter": g.rng.choice([":", "/", "-", "@"]), "index": g.rng.choice([0, 1, -1, 5])}
        if g.chance(0.1):
            del src["kind"]
        targets = []
        for _ in range(g.rng.randint(1, 2)):
            t = {}
            r = g.rng.random()
            if deps and r < 0.5:
                sel = {"kind": "Deployment"}
                if g.chance(0.5):
                    sel["name"] = g.rng.choice(deps)["metadata"]["name"]
                t["select"] = sel
                t["fieldPaths"] = g.rng.sample([
                    "spec.template.spec.containers.[name=app].image",
                    "spec.template.spec.containers.*.env.[name=NEW].value",
                    "spec.template.metadata.annotations.replaced",
                    "metadata.annotations.[example.com/from]",
                    "spec.template.spec.containers.[name=app].args.0",
                    "spec.template.spec.containers.0.command.1",
                    "metadata.labels.tier",
                    "spec.template.spec.containers.[name=app].env",
                    "spec.template.spec.containers.[name=sidecar].args",
                    "metadata.annotations",
                    "spec.replicas",
                    "spec.template.spec.containers.[name=app].env.[name=FROM_X].value",
                    "spec.template.spec.volumes.[name=v-x].configMap.name",
                ], g.rng.randint(1, 2))
            elif cms and r < 0.8:
                t["select"] = {"kind": "ConfigMap"}
                if g.chance(0.4):
                    t["select"]["name"] = g.rng.choice(cms)["metadata"]["name"]
                t["fieldPaths"] = ["data." + g.cm_key()] if g.chance(0.5) else ["data.*"] if g.chance(0.2) else ["metadata.annotations.copied"]
            else:
                t["select"] = {"kind": g.rng.choice(["Widget", "Service", "Secret"])}
                t["fieldPaths"] = [g.rng.choice(["spec.value", "spec.nested.deep.x", "metadata.annotations.x", "spec.list.0"])]
            if g.chance(0.2):
                t["reject"] = [{"name": g.rng.choice([r["metadata"]["name"] for r in resources] or ["x"])}]
            if g.chance(0.4):
                t["options"] = {"create": True}
                if g.chance(0.3):
                    t["options"]["delimiter"] = "-"
                    t["options"]["index"] = g.rng.choice([0, 1, 3])
            if g.chance(0.1):
                t["select"] = {"labelSelector": "app=" + g.word()} if g.chance(0.5) else {"name": ".*", "kind": "ConfigMap"}
            targets.append(t)
        out.append({"source": src, "targets": targets})
    return out


def vars_for(g, resources):
    out = []
    names = []
    for r in resources:
        if g.chance(0.3):
            vn = re.sub(r"[^A-Z0-9_]", "_", (r["kind"] + "_" + r["metadata"]["name"]).upper())
            if vn in names:
                continue
            v = {"name": vn, "objref": {"kind": r["kind"], "name": r["metadata"]["name"],
                                        "apiVersion": r["apiVersion"]}}
            if g.chance(0.6):
                kind = r["kind"]
                if kind == "Deployment":
                    fp = ["spec.replicas", "spec.template.spec.containers[0].image", "metadata.labels.app"]
                elif kind == "ConfigMap":
                    fp = ["data." + next(iter(r.get("data") or {"x": 1}))]
                elif kind == "Service":
                    fp = ["spec.ports[0].port", "metadata.name"]
                elif kind == "Secret":
                    fp = ["type"]
                elif kind == "Widget":
                    fp = ["spec." + next(iter(r["spec"]))]
                else:
                    fp = ["metadata.name"]
                v["fieldref"] = {"fieldPath": g.rng.choice(fp)}
            if g.chance(0.15):
                del v["objref"]["apiVersion"]
            out.append(v)
            names.append(vn)
    return out, names


def use_vars(g, resources, names):
    for r in resources:
        if r["kind"] == "Deployment":
            c = r["spec"]["template"]["spec"]["containers"][0]
            for _ in range(g.rng.randint(1, 3)):
                n = g.rng.choice(names + ["UNDEFINED"])
                where = g.rng.choice(["args", "command", "env"])
                ref = g.rng.choice(["$(%s)", "prefix-$(%s)-suffix", "$$(%s)", "$(%s)$(%s)", "x=$(%s)"])
                s = ref.replace("%s", n)
                if where == "env":
                    c.setdefault("env", []).append({"name": "V_" + str(g.rng.randint(0, 999)), "value": s})
                else:
                    c.setdefault(where, []).append(s)
        elif r["kind"] == "Widget" and g.chance(0.5):
            r["spec"]["varField"] = "$(%s)" % g.rng.choice(names)


# ---------------------------------------------------------------------------
# Trees


def kustomization_doc(g, k):
    d = {}
    if g.chance(0.7):
        d["apiVersion"] = "kustomize.config.k8s.io/v1beta1"
        d["kind"] = "Kustomization"
    d.update(k)
    return d


def write_kustomization(g, d, k):
    name = g.rng.choice(["kustomization.yaml"] * 6 + ["kustomization.yml", "Kustomization"])
    write_docs(g, os.path.join(d, name), [kustomization_doc(g, k)], allow_weird=g.chance(0.3))


def values_tree(g, d):
    """Hand-written resources full of odd values, with common labels/annotations."""
    res = []
    for i in range(g.rng.randint(1, 5)):
        r = g.rng.random()
        nm = g.name() + str(i)
        if r < 0.3:
            res.append(configmap(g, nm))
        elif r < 0.6:
            res.append(custom(g, nm, g.rng.choice(["Widget", "Gadget"])))
        elif r < 0.75:
            res.append(secret(g, nm))
        elif r < 0.9:
            res.append(deployment(g, nm, []))
        else:
            res.append(service(g, nm))
    files = []
    if g.chance(0.5):
        write_docs(g, os.path.join(d, "all.yaml"), res)
        files = ["all.yaml"]
    else:
        for i, r in enumerate(res):
            fn = f"r{i}.yaml"
            write_docs(g, os.path.join(d, fn), [r])
            files.append(fn)
    k = {"resources": files}
    if g.chance(0.3):
        k["commonAnnotations"] = {g.rng.choice(["note", "a.io/b", "x"]): g.scalar_str() for _ in range(g.rng.randint(1, 2))}
        if g.chance(0.1):
            k["commonAnnotations"]["typed"] = g.typed()
    if g.chance(0.2):
        k["commonLabels"] = {"env": label_value(g)}
    if g.chance(0.15):
        k["namespace"] = "ns-" + g.word()
    if g.chance(0.2):
        k["buildMetadata"] = g.rng.sample(["originAnnotations", "transformerAnnotations", "managedByLabel"], g.rng.randint(1, 3))
    if g.chance(0.2):
        k["replacements"] = replacements(g, res)
    write_kustomization(g, d, k)
    return res


def generator_trees(g, root):
    """A base with generators and a workload using them, and an overlay on it."""
    base = os.path.join(root, "base")
    refs = []
    gens_cm, gens_sec = [], []
    known = {}
    for i in range(g.rng.randint(1, 3)):
        kind = "ConfigMap" if g.chance(0.65) else "Secret"
        name = (g.word() + "-" + ("cm" if kind == "ConfigMap" else "secret")) + (str(i) if g.chance(0.5) else "")
        if name in known:
            continue
        e, keys = generator_entry(g, base, kind, name)
        known[name] = (kind, keys)
        (gens_cm if kind == "ConfigMap" else gens_sec).append(e)
        refs.append((kind, name, g.rng.choice(keys) if keys else None))
    res = [deployment(g, g.name(), refs)]
    if g.chance(0.3):
        res.append(service(g, res[0]["metadata"]["name"]))
    if g.chance(0.3):
        w = custom(g, "w-" + g.word())
        w["spec"]["configRef"] = refs[0][1]
        res.append(w)
    write_docs(g, os.path.join(base, "resources.yaml"), res)
    k = {"resources": ["resources.yaml"]}
    if gens_cm:
        k["configMapGenerator"] = gens_cm
    if gens_sec:
        k["secretGenerator"] = gens_sec
    if g.chance(0.35):
        k["generatorOptions"] = gen_options(g)
    if g.chance(0.2):
        k["namePrefix"] = g.word() + "-"
    if g.chance(0.25):
        vs, names = vars_for(g, res)
        if vs:
            k["vars"] = vs
            use_vars(g, res, names)
            write_docs(g, os.path.join(base, "resources.yaml"), res)
    if any(r["kind"] == "Widget" for r in res) and g.chance(0.6):
        conf = {"nameReference": [{"kind": "ConfigMap", "version": "v1",
                                   "fieldSpecs": [{"kind": "Widget", "path": "spec/configRef"}]},
                                  {"kind": "Secret", "version": "v1",
                                   "fieldSpecs": [{"kind": "Widget", "path": "spec/configRef"}]}]}
        if g.chance(0.4):
            conf["commonLabels"] = [{"kind": "Widget", "path": "spec/selector/matchLabels", "create": True}]
        if g.chance(0.4):
            conf["varReference"] = [{"kind": "Widget", "path": "spec/varField"}]
        write_docs(g, os.path.join(base, "config.yaml"), [conf])
        k["configurations"] = ["config.yaml"]
        if g.chance(0.3):
            k["commonLabels"] = {"team": g.word()}
    if g.chance(0.15):
        k["replacements"] = replacements(g, res)
    write_kustomization(g, base, k)
    dirs = ["base"]
    if g.chance(0.8):
        ov = os.path.join(root, "overlay")
        ko = {"resources": ["../base"]}
        if g.chance(0.5):
            ko["namePrefix"] = g.word() + "-"
        if g.chance(0.5):
            ko["nameSuffix"] = "-" + g.word()
        if g.chance(0.3):
            ko["namespace"] = "ns-" + g.word()
        cmg, scg = [], []
        for name, (kind, keys) in known.items():
            if g.chance(0.5):
                beh = g.rng.choice(["merge", "merge", "replace", "create", None])
                e, _ = generator_entry(g, ov, kind, name, beh, keys)
                (cmg if kind == "ConfigMap" else scg).append(e)
        if g.chance(0.3):
            e, _ = generator_entry(g, ov, "ConfigMap", "extra-" + g.word(), None)
            cmg.append(e)
        if g.chance(0.05):
            e, _ = generator_entry(g, ov, "ConfigMap", "nonexistent", "merge")
            cmg.append(e)
        if cmg:
            ko["configMapGenerator"] = cmg
        if scg:
            ko["secretGenerator"] = scg
        if g.chance(0.35):
            ko["generatorOptions"] = gen_options(g)
        if g.chance(0.2):
            ko["replacements"] = replacements(g, res)
        if g.chance(0.15):
            ko["buildMetadata"] = g.rng.sample(["originAnnotations", "transformerAnnotations", "managedByLabel"], g.rng.randint(1, 2))
        if g.chance(0.15):
            ko["commonAnnotations"] = {"overlay": g.scalar_str(False)}
        write_kustomization(g, ov, ko)
        dirs.append("overlay")
    return dirs


def replacement_tree(g, d):
    """Replacements (inline or in a file) and vars over a mix of workloads and config."""
    res = []
    for i in range(g.rng.randint(2, 5)):
        r = g.rng.random()
        nm = g.name() + str(i)
        if r < 0.35:
            res.append(deployment(g, nm, []))
        elif r < 0.65:
            res.append(configmap(g, nm))
        elif r < 0.85:
            res.append(custom(g, nm))
        else:
            res.append(service(g, nm))
    for r in res:
        if r["kind"] == "ConfigMap" and not r.get("data"):
            r["data"] = {"k": g.scalar_str(False)}
    write_docs(g, os.path.join(d, "res.yaml"), res)
    k = {"resources": ["res.yaml"]}
    reps = replacements(g, res)
    if g.chance(0.4):
        write_docs(g, os.path.join(d, "repl.yaml"), reps[:1] if g.chance(0.5) else [reps[0]])
        k["replacements"] = [{"path": "repl.yaml"}] + reps[1:]
    else:
        k["replacements"] = reps
    if g.chance(0.3):
        vs, names = vars_for(g, res)
        if vs:
            k["vars"] = vs
            use_vars(g, res, names)
            write_docs(g, os.path.join(d, "res.yaml"), res)
    if g.chance(0.2):
        k["namePrefix"] = "p-"
    if g.chance(0.15):
        crd = {"definitions": {"com.example.v1.Widget": {
            "properties": {"spec": {"properties": {"configRef": {
                "x-kubernetes-object-ref-api-version": "v1", "x-kubernetes-object-ref-kind": "ConfigMap", "type": "string"}}}},
            "x-kubernetes-group-version-kind": [{"group": "example.com", "kind": "Widget", "version": "v1"}]}}}
        write_raw(os.path.join(d, "crd.json"), __import__("json").dumps(crd, indent=2))
        k["crds"] = ["crd.json"]
        cms = [r for r in res if r["kind"] == "ConfigMap"]
        for r in res:
            if r["kind"] == "Widget" and cms:
                r["spec"]["configRef"] = cms[0]["metadata"]["name"]
        write_docs(g, os.path.join(d, "res.yaml"), res)
    write_kustomization(g, d, k)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    g = Gen(random.Random(a.seed))
    dirs = []
    values_tree(g, os.path.join(a.out, "values"))
    dirs.append("values")
    for sub in generator_trees(g, os.path.join(a.out, "gen")):
        dirs.append("gen/" + sub)
    if g.chance(0.6):
        replacement_tree(g, os.path.join(a.out, "repl"))
        dirs.append("repl")
    for x in dirs:
        print(x)


if __name__ == "__main__":
    main()
