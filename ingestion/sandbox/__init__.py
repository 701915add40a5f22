"""The sandbox company: a generated B2B SaaS business in Salesforce shape, with its ground truth."""

from ingestion.sandbox.generator import SandboxCompany, generate_company
from ingestion.sandbox.generator_base import (
    ICP_INDUSTRIES,
    ICP_MAX_EMPLOYEES,
    ICP_MIN_EMPLOYEES,
    ICP_SHARE,
    is_icp,
)
from ingestion.sandbox.org import SalesforceOrg

__all__ = [
    "ICP_INDUSTRIES",
    "ICP_MAX_EMPLOYEES",
    "ICP_MIN_EMPLOYEES",
    "ICP_SHARE",
    "SalesforceOrg",
    "SandboxCompany",
    "generate_company",
    "is_icp",
]
