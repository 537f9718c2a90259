"""``python -m infrastructure.onboard <verb> <config.yaml>``: onboard a region from its configuration file.

  validate <config.yaml>                      check the file; every problem is named by its field
  plan <config.yaml> [--out DIR]              render the data, web and app stacks with their parameters files
  deploy <config.yaml> [--yes]                plan, then create/update the stacks in AWS through change sets
  local <config.yaml> [--port N]              run the region in the local stack (its own embedded AWS, seeded
                                              from the file), as `make run` runs the demo regions

docs/operations.md explains each setting of the file and each stack.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infrastructure import tenant_config
from infrastructure.aws import package
from infrastructure.onboard import plan as planning
from infrastructure.tenant_config import ConfigError, TenantConfig


def _load(path: Path) -> TenantConfig | None:
    try:
        return tenant_config.load(path)
    except ConfigError as error:
        print(f"{error.source}: {len(error.problems)} problem(s)", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return None


def validate(path: Path) -> int:
    config = _load(path)
    if config is None:
        return 1
    print(f"ok: {config.tenant} ({len(config.units)} units, {len(config.staff)} staff)")
    return 0


def _plan(config: TenantConfig, out: Path, args: argparse.Namespace) -> planning.Plan | None:
    try:
        return planning.plan(config, out, certificate_arn=args.certificate_arn, stage=args.stage)
    except planning.PlanError as error:
        print(f"{args.config}: cannot be deployed as it is", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
    except (ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
    return None


def _ask(question: str) -> bool:
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes", "j", "ja")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infrastructure.onboard",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verbs = parser.add_subparsers(dest="verb", required=True)
    check = verbs.add_parser("validate", help="check a region's configuration file")
    check.add_argument("config", type=Path)
    local = verbs.add_parser("local", help="run the region in the local stack")
    local.add_argument("config", type=Path)
    local.add_argument("--host", default="127.0.0.1")
    local.add_argument("--port", type=int, default=8000)
    for verb, text in (
        ("plan", "write the region's stacks and parameters files"),
        ("deploy", "plan, then create or update the stacks in AWS (change sets)"),
    ):
        sub = verbs.add_parser(verb, help=text)
        sub.add_argument("config", type=Path)
        sub.add_argument("--out", type=Path, help="where to write (default build/regions/<tenant>)")
        sub.add_argument(
            "--certificate-arn",
            default="",
            help="ACM certificate in us-east-1 for the public origin's host (CloudFront); deploy keeps the one the web "
            "stack has when not given",
        )
        sub.add_argument("--stage", default=package.STAGE, help="the Chalice stage in .chalice/config.json")
        if verb == "deploy":
            sub.add_argument("--yes", action="store_true", help="execute each change set without asking")
    args = parser.parse_args(argv)

    if args.verb == "validate":
        return validate(args.config)
    if args.verb == "local":
        if _load(args.config) is None:
            return 1
        from infrastructure.local.__main__ import main as run_local

        return run_local(["--host", args.host, "--port", str(args.port), "--regions", str(args.config.resolve())])
    config = _load(args.config)
    if config is None:
        return 1
    out = args.out or Path("build") / "regions" / config.tenant
    rendered = _plan(config, out, args)
    if rendered is None:
        return 1
    for line in planning.summary(rendered, out):
        print(line)
    if args.verb == "plan":
        return 0

    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from infrastructure.onboard import deploy

    deployer = deploy.Deployer(
        boto3.session.Session(region_name=config.aws_region),
        confirm=(lambda _question: True) if args.yes else _ask,
    )
    try:
        deploy.deploy(rendered, deployer)
    except (deploy.DeployError, ClientError, BotoCoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
