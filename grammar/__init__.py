"""Installed as ``starrating.grammar``: holds ``policy.lark``, the policy language grammar."""
