#!/usr/bin/env python3
"""Randomized differential comparison of `converge build` against `kubectl kustomize`.

Usage:
  compare.py --gen GENERATOR [--seeds 1-200] [--converge target/release/converge]
             [--keep DIR] [-v]

GENERATOR is one of the generator scripts beside this file (or any program with the same
contract): `GENERATOR OUT_DIR --seed S` writes a random kustomize tree under OUT_DIR and prints,
one per line, the directories (relative to OUT_DIR) to build.

A case passes when both tools print the same bytes, or both reject the input. Failing trees are
copied to --keep (default: differential-failures/) with both outputs beside them, ready to be
minimised into a regression fixture under tests/fixtures/differential/.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile


def seeds(spec):
    out = []
    for part in spec.split(","):
        if "-" in part:
            lo, hi = part.split("-", 1)
            out.extend(range(int(lo), int(hi) + 1))
        else:
            out.append(int(part))
    return out


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gen", required=True)
    ap.add_argument("--seeds", default="1-200")
    ap.add_argument("--converge", default="target/release/converge")
    ap.add_argument("--kubectl", default="kubectl")
    ap.add_argument("--keep", default="differential-failures")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    gen = a.gen if os.path.dirname(a.gen) else os.path.join(os.path.dirname(__file__), a.gen)
    converge = os.path.abspath(a.converge)
    total = passed = rejected = 0
    failures = []
    for seed in seeds(a.seeds):
        with tempfile.TemporaryDirectory(prefix="converge-diff-") as tmp:
            code, out, err = run([sys.executable, gen, tmp, "--seed", str(seed)])
            if code != 0:
                print(f"seed {seed}: generator failed: {err.decode(errors='replace')}")
                return 2
            for rel in out.decode().split():
                total += 1
                d = os.path.join(tmp, rel)
                kc, ko, ke = run([a.kubectl, "kustomize", d])
                cc, co, ce = run([converge, "build", d])
                ok = (kc == 0 and cc == 0 and ko == co) or (kc != 0 and cc != 0)
                if ok:
                    passed += 1
                    rejected += kc != 0
                    continue
                case = f"seed{seed}-{rel.replace('/', '_')}"
                failures.append(case)
                dest = os.path.join(a.keep, case)
                shutil.rmtree(dest, ignore_errors=True)
                shutil.copytree(tmp, os.path.join(dest, "tree"), symlinks=True)
                with open(os.path.join(dest, "build"), "w") as f:
                    f.write(rel + "\n")
                for name, data in (("kubectl.out", ko), ("kubectl.err", ke),
                                   ("converge.out", co), ("converge.err", ce)):
                    with open(os.path.join(dest, name), "wb") as f:
                        f.write(data)
                if a.verbose:
                    why = (f"kubectl exit {kc}, converge exit {cc}" if (kc == 0) != (cc == 0)
                           else "outputs differ")
                    print(f"FAIL {case}: {why}", flush=True)
    pct = 100.0 * passed / total if total else 0.0
    print(f"{passed}/{total} passed ({pct:.1f}%), {rejected} of them rejected by both")
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main())
