"""Every column of every mart is described in YAML (``make docs`` publishes those descriptions).

The marts and their YAML come from the manifest of the sandbox build and the columns from the built
warehouse, so a column added to a model's SQL but not to its YAML fails here, as does a YAML column
without a description or one the table does not have. Disabled marts are checked on their YAML.
"""

from __future__ import annotations

import json


def _marts(manifest: dict) -> tuple[list[dict], list[dict]]:
    def is_mart(node: dict) -> bool:
        return node.get("resource_type") == "model" and node["original_file_path"].startswith("models/marts/")

    enabled = [n for n in manifest["nodes"].values() if is_mart(n)]
    disabled = [n for nodes in manifest.get("disabled", {}).values() for n in nodes if is_mart(n)]
    return enabled, disabled


def test_every_mart_and_its_columns_are_described(sandbox_marts, marts):
    enabled, disabled = _marts(json.loads(sandbox_marts.manifest.read_text(encoding="utf-8")))
    assert len(enabled) > 20, "the marts of the manifest"
    problems = [f"{n['name']}: no YAML" for n in enabled + disabled if not n.get("patch_path")]
    for node in enabled:
        name, described = (
            node["name"],
            {c: d.get("description", "").strip() for c, d in node["columns"].items()},
        )
        columns = [
            r[0]
            for r in marts.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' "
                "and table_name = ? order by ordinal_position",
                [name],
            ).fetchall()
        ]
        assert columns, f"marts.{name} was not built"
        problems += [f"{name}.{c}: not in YAML" for c in columns if c not in described]
        problems += [f"{name}.{c}: in YAML, not in the table" for c in described if c not in columns]
        problems += [f"{name}.{c}: no description" for c, d in described.items() if not d]
    for node in disabled:
        problems += [
            f"{node['name']}.{c}: no description"
            for c, d in node["columns"].items()
            if not d.get("description", "").strip()
        ]
    assert not problems, "\n".join(problems)
