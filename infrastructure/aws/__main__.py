"""``python -m infrastructure.aws package --tenant jonkoping --out build/aws``: render a region's two stacks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infrastructure.aws import package


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infrastructure.aws", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)
    render = verbs.add_parser("package", help="write data-stack.json, app-stack.json and the code zips")
    render.add_argument("--tenant", required=True, help="the region, e.g. jonkoping")
    render.add_argument("--out", type=Path, default=Path("build/aws"))
    render.add_argument("--stage", default=package.STAGE, help="the Chalice stage in .chalice/config.json")
    render.add_argument("--region", default=package.DEFAULT_REGION, help="AWS region Chalice packages for")
    args = parser.parse_args(argv)
    try:
        rendered = package.package(args.tenant, args.out, stage=args.stage, region=args.region)
    except (ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in (rendered.data_stack, rendered.app_stack, *rendered.code):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
