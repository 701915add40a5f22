"""Stand-in for dbt's ``exceptions`` context object so sqlfluff can render macros that use it.

sqlfluff's ``var()`` returns a placeholder, so a compile-time check would always fire while linting:
the stand-in renders nothing. dbt itself never imports this module and raises for real."""


def raise_compiler_error(msg):
    return ""
