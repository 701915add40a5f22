"""Run the Marketo pipeline once in its own process (the kill test SIGKILLs it): argv warehouse,
pipelines_dir; base URL and credentials from SOURCES__MARKETO__* in the environment."""

from __future__ import annotations

import sys

from ingestion.marketo.pipeline import run_marketo

if __name__ == "__main__":
    run_marketo(sys.argv[1], sys.argv[2])
    print("marketo-process: done", flush=True)
