"""Review pages people want to look at: static HTML with inline SVG charts, read from the marts.

``python -m reporting`` writes ``reports/<cadence>/<period>.html`` for the weekly pipeline review, the
monthly marketing review and the quarterly business review, and ``reports/index.html`` linking them
all and the data-quality report.
"""

from reporting.pages import write_reports
from reporting.queries import CADENCES, ReviewDataError

__all__ = ["CADENCES", "ReviewDataError", "write_reports"]
