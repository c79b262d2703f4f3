"""Fuzzed config files (hypothesis): a valid deployment mutated as a tree and as text. Run as a worker process,
`python -m chaos.config_fuzz --seed S --examples N --out DIR`: it calls the real CLI entry point
(`accountsync config validate FILE`) for each file and writes `DIR/result.json` (counts and problems) and a
sample of the files for the harness to run through separate `accountsync` processes.

Every file must be valid (exit 0) or refused with located errors only (exit 2, `FILE:LINE:COLUMN: ...`);
anything else (a traceback, another exit code, an unlocated line) is a problem.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

__all__ = ["BASE", "ENV", "check_output", "config_texts", "main"]

ENV: Final = {"SF_CLIENT_ID": "fuzz-client-id-0123456789", "SF_USERNAME": "fuzz@example.com",
              "HUBSPOT_TOKEN": "pat-na1-fuzz-0123-4567-89ab"}  # fmt: skip
BASE: Final[dict[str, Any]] = {
    "version": 1,
    "connections": {
        "salesforce": {"type": "salesforce", "login_url": "https://127.0.0.1:8443", "auth": "jwt",
                       "client_id": "${SF_CLIENT_ID}", "username": "${SF_USERNAME}", "jwt_key_file": "key.pem",
                       "ca_bundle": "ca.pem"},
        "hubspot": {"type": "hubspot", "base_url": "https://127.0.0.1:8444", "token": "${HUBSPOT_TOKEN}",
                    "ca_bundle": "ca.pem"},
    },
    "jobs": [{
        "name": "fuzz", "schedule": "*/15 * * * *", "lookback_minutes": 10, "bulk_threshold": 50000,
        "api_budget_share": 0.5,
        "sources": [{"connection": "salesforce", "objects": ["Account", "Opportunity"]},
                    {"connection": "hubspot", "objects": ["companies", "deals"], "fields": {"companies": ["x"]}}],
        "writeback": [{"connection": "hubspot", "object": "companies", "fields": {"score": "accountsync_score"}}],
        "precedence": {"name": "salesforce"},
    }],
    "scoring": {"window_months": 12, "weights": {"fit": 0.3, "potential": 0.3, "momentum": 0.2, "health": 0.2},
                "icp": [{"points": 50, "industries": ["Software"]}]},
    "currency": {"corporate": "USD", "rates": {"EUR": "1.08"}},
}  # fmt: skip
SPECIAL_STRINGS: Final = ("${UNSET_VARIABLE}", "${SF_CLIENT_ID:-}", "${", "}", "pat-na1-literal-token-in-file",
                          "*/15 * * * *", "61 * * * *", "salesforce", "hubspot", "https://", "", " ", "\t", "~",
                          "null", "yes", "0x1F", "1e400", "-0", "\u202e", "😀" * 3, "a" * 3000)  # fmt: skip
TEXT_SNIPPETS: Final = ("&a [*a, *a]", "? [a, b]\n: c\n", "!!python/object/apply:os.system ['true']\n", "---\n",
                        "%YAML 1.1\n---\n", "{", "[", "]", "\t", "\x00", "\ufeff", ": :", "- - -", "key: &x\n",
                        "*undefined_alias", "<<: *x\n", "'unterminated", '"\\xZZ"', "\r", "\u2028",
                        "jobs: []\n", "version: 2\n", "connections: null\n", "x" * 5000)  # fmt: skip
LOCATED: Final = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): \S")


def _scalars() -> st.SearchStrategy[Any]:
    return (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
            | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12)
            | st.sampled_from(SPECIAL_STRINGS))  # fmt: skip


def _values() -> st.SearchStrategy[Any]:
    return st.recursive(
        _scalars(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=6,
    )


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*path, index))
    return found


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


@st.composite
def _tree_mutation(draw: st.DrawFn, data: Any) -> Any:
    paths = [p for p in _paths(data) if p]
    path = draw(st.sampled_from(paths))
    parent, key = _parent(data, path), path[-1]
    action = draw(st.sampled_from(("delete", "replace", "replace", "add", "wrap", "null")))
    if action == "delete":
        del parent[key]
    elif action == "replace":
        parent[key] = draw(_values())
    elif action == "add" and isinstance(parent, dict):
        parent[draw(st.text(min_size=1, max_size=10) | st.sampled_from(("typ", "job", "sources ", "extra")))] = draw(
            _values()
        )
    elif action == "wrap":
        parent[key] = [parent[key]]
    else:
        parent[key] = None
    return data


@st.composite
def _text_mutation(draw: st.DrawFn, text: str) -> str:
    action = draw(st.sampled_from(("insert", "insert", "delete", "duplicate_line", "tabs", "truncate")))
    lines = text.splitlines(keepends=True)
    at = draw(st.integers(min_value=0, max_value=len(text)))
    if action == "insert":
        snippet = draw(st.sampled_from(TEXT_SNIPPETS) | st.text(max_size=20))
        return text[:at] + snippet + text[at:]
    if action == "delete":
        return text[:at] + text[at + draw(st.integers(min_value=1, max_value=40)) :]
    if action == "duplicate_line" and lines:
        n = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        return "".join([*lines[: n + 1], lines[n], *lines[n + 1 :]])
    if action == "tabs" and lines:
        n = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        lines[n] = lines[n].replace("  ", "\t", 1)
        return "".join(lines)
    return text[:at]


@st.composite
def config_texts(draw: st.DrawFn) -> str:
    """A config file's text: the base deployment with tree mutations, text mutations, or both."""
    data = copy.deepcopy(BASE)
    kind = draw(st.sampled_from(("tree", "text", "both")))
    if kind in ("tree", "both"):
        for _ in range(draw(st.integers(min_value=1, max_value=4))):
            data = draw(_tree_mutation(data))
    try:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError:
        text = json.dumps(data, default=str)
    if kind in ("text", "both"):
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            text = draw(_text_mutation(text))
    return text


def check_output(file: str, code: int, out: str, err: str, text: str) -> str | None:
    """What is wrong with one validation's outcome, or None when it is a valid file or located errors only."""
    if "Traceback (most recent call last)" in out + err:
        last = [line for line in (err or out).splitlines() if line.strip() and not line.startswith(" ")]
        return f"a traceback: {last[-1][:160] if last else ''}"
    if code == 0:
        return None if "valid" in out else f"exit 0 without saying valid: {out[:80]!r}"
    if code != 2:
        return f"exit {code}: {(err or out).strip()[-160:]!r}"
    # Lines end at "\n" only: a key may hold characters str.splitlines() also breaks at (\x1c-\x1e, \x85...).
    lines = [line for line in err.split("\n") if line.strip()]
    if not lines:
        return "exit 2 without a message"
    last_line = max(1, text.count("\n") + 1)
    for line in lines:
        if re.fullmatch(rf"\d+ error\(s\) in {re.escape(file)}", line.strip()):
            continue
        located = LOCATED.match(line)
        if located is None or located.group("file") != file:
            return f"an unlocated error line: {line[:160]!r}"
        if not 1 <= int(located.group("line")) <= last_line + 1 or int(located.group("column")) < 1:
            return f"a location outside the file: {line[:160]!r}"
    return None


def _validate_in_process(path: Path) -> tuple[int, str, str]:
    """`accountsync config validate PATH` through the CLI's own entry point, in this process."""
    from accountsync.cli import main as cli_main

    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["accountsync", "config", "validate", str(path)]
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            cli_main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException as exc:  # what would have been a traceback
        err.write(f"Traceback (most recent call last)\n{type(exc).__name__}: {exc}\n")
        code = 1
    finally:
        sys.argv = argv
    return code, out.getvalue(), err.getvalue()


def fuzz(seed: int, examples: int, out_dir: Path, sample_every: int = 12) -> dict[str, Any]:
    """Run the examples; return the counts and problems (each problem's file kept under `out_dir`)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"examples": 0, "valid": 0, "refused": 0, "problems": [], "sample": []}
    validate: Callable[[Path], tuple[int, str, str]] = _validate_in_process

    @hypothesis_seed(seed)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck),
              derandomize=False)  # fmt: skip
    @given(text=config_texts())
    def one(text: str) -> None:
        n = result["examples"]
        result["examples"] += 1
        path = out_dir / f"case-{n:04d}.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        code, out, err = validate(path)
        problem = check_output(str(path), code, out, err, text)
        if problem is not None:
            result["problems"].append({"file": str(path), "problem": problem})
        else:
            result["valid" if code == 0 else "refused"] += 1
            if n % sample_every == 0:
                result["sample"].append(str(path))
            else:
                path.unlink()

    one()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos.config_fuzz")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--examples", type=int, default=300)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    os.environ.update(ENV)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in ("key.pem", "ca.pem"):  # the files the base config names, next to every case
        (args.out / name).write_text("not a real key\n", encoding="utf-8")
    result = fuzz(args.seed, args.examples, args.out)
    (args.out / "result.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
