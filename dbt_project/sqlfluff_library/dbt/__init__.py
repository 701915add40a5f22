"""Stand-ins for dbt's cross-database macros (``dbt.dateadd`` ...) so sqlfluff's plain jinja templater
can render the models for linting. They return DuckDB SQL; dbt itself never imports this module."""


def date_trunc(datepart, date):
    return f"date_trunc('{datepart}', {date})"


def dateadd(datepart, interval, from_date_or_timestamp):
    return f"{from_date_or_timestamp} + (interval '1 {datepart}' * ({interval}))"


def datediff(first_date, second_date, datepart):
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def split_part(string_text, delimiter_text, part_number):
    return f"split_part({string_text}, {delimiter_text}, {part_number})"


def listagg(measure, delimiter_text="','", order_by_clause=None, limit_num=None):
    order = f" {order_by_clause}" if order_by_clause else ""
    return f"string_agg({measure}, {delimiter_text}{order})"


def hash(field):  # noqa: A001 - mirrors dbt.hash
    return f"md5(cast({field} as varchar))"


def bool_or(expression):
    return f"bool_or({expression})"


def type_string():
    return "varchar"


def type_timestamp():
    return "timestamp"


def type_boolean():
    return "boolean"


def type_bigint():
    return "bigint"


def type_float():
    return "double"


def type_numeric():
    return "numeric(28, 6)"
