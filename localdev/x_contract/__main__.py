"""python -m localdev.x_contract --spec SPEC: regenerate our extract of X's OpenAPI document, print what changed.

SPEC is either X's openapi.json (a file: say its commit with --commit) or a git checkout or mirror of
xdevplatform/docs (a directory: openapi.json is read at --rev, HEAD by default, and the commit is that
revision's). `make x-contract SPEC=... [REV=...] [COMMIT=...]` runs this.

The extract is written only when it validates as an OpenAPI document and every operation we use is still
there; the exit status is 1 otherwise (nothing written), and 0 when it was written. Findings against our
catalogue are printed, not fatal here: the catalogue test fails on them by name.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

from localdev.x_contract import EXTRACT_PATH
from localdev.x_contract.catalogue import findings
from localdev.x_contract.changes import report
from localdev.x_contract.extract import DEFAULT_REPOSITORY, ExtractError, extract, to_text


def read_spec(spec, rev, commit):
    """(X's document, source) from a file or a git directory."""
    path = Path(spec)
    if path.is_dir():
        git = ["git", "-C", str(path)]
        try:
            sha = subprocess.run([*git, "rev-parse", f"{rev}^{{commit}}"], check=True, capture_output=True, text=True)
            text = subprocess.run([*git, "show", f"{rev}:openapi.json"], check=True, capture_output=True, text=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            raise ExtractError(f"cannot read openapi.json at {rev} in {path}: {detail.strip()}") from None
        return json.loads(text.stdout), {"commit": sha.stdout.strip(), "path": "openapi.json"}
    if not path.is_file():
        raise ExtractError(f"{spec} is neither X's openapi.json nor a git directory holding it")
    return json.loads(path.read_text(encoding="utf-8")), {"commit": commit or "unknown", "path": "openapi.json"}


def validate(document):
    from openapi_spec_validator import validate as validate_spec

    validate_spec(document)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m localdev.x_contract", description=__doc__.splitlines()[0])
    parser.add_argument("--spec", required=True, help="X's openapi.json, or a git directory of xdevplatform/docs")
    parser.add_argument("--rev", default="HEAD", help="the revision to read in a git directory (HEAD)")
    parser.add_argument("--commit", default="", help="the commit a file SPEC comes from (recorded in the extract)")
    parser.add_argument("--repository", default=DEFAULT_REPOSITORY)
    parser.add_argument("--out", default=str(EXTRACT_PATH), help="where the extract goes (the committed one)")
    parser.add_argument("--check", action="store_true", help="print what would change; write nothing")
    args = parser.parse_args(argv)
    out = Path(args.out)
    try:
        document, source = read_spec(args.spec, args.rev, args.commit)
        source["repository"] = args.repository
        new = extract(document, source)
        validate(new)
    except (ExtractError, ValueError) as exc:
        print(f"x-contract: {exc}", file=sys.stderr)
        return 1
    before = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
    from xwebhook.x_api import event_types

    for line in report(before, new, findings(new, event_types)):
        print(line)
    if args.check:
        return 0
    out.write_text(to_text(new), encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
