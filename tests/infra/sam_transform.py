"""Expands a SAM template into plain CloudFormation, as CloudFormation's SAM transform would at deploy time.

Runs in .venv-cfn (``aws-sam-translator`` clashes with the app's pins): ``python sam_transform.py IN OUT``.
Local ``CodeUri``/``ContentUri`` paths become S3 URIs first, as ``aws cloudformation package`` makes them.
Exits 1 and prints the translator's findings if the template is not valid SAM.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from samtranslator.public.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform


class _NoManagedPolicies:
    """Nara's functions name no AWS managed policies, so nothing needs looking up in IAM."""

    def load(self) -> dict[str, str]:
        return {}


def main(source: str, target: str) -> int:
    with open(source) as f:
        template: dict[str, Any] = json.load(f)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://nara-artifacts/deployment.zip"
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            resource["Properties"]["ContentUri"] = "s3://nara-artifacts/layer-deployment.zip"
    try:
        expanded = transform(template, {}, _NoManagedPolicies())
    except InvalidDocumentException as error:
        for cause in error.causes:
            print(cause.message)
        return 1
    with open(target, "w") as f:
        json.dump(expanded, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
