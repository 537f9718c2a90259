"""Onboarding a region (tenant): its configuration file validated, its three stacks planned and deployed.

``python -m infrastructure.onboard validate|plan|deploy <config.yaml>``; docs/operations.md.
"""
