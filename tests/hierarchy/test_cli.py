"""``govkit import divisions`` / ``govkit export divisions`` from the command line."""
from __future__ import annotations

import os
import subprocess
import sys

import sqlalchemy as sa

from govkit.hierarchy.sample import sample_path


def run_govkit(*args, env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GOVKIT_")}
    full_env.update(env)
    return subprocess.run([sys.executable, "-c", "from govkit.cli import main; main()", *args],
                          env=full_env, capture_output=True, text=True, timeout=600)


def test_import_export_and_a_bad_file(tmp_path):
    import govkit.models  # noqa: F401
    from govkit.db import metadata

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    env = {"GOVKIT_DATABASE_URL": url, "GOVKIT_INSTANCE_PATH": str(tmp_path / "instance"),
           "GOVKIT_SECRET_KEY": "cli-test"}

    bad = tmp_path / "bad.csv"
    bad.write_text("620000000000,甘肃省,\n62100210120,短码村,220\n621002101201,孤儿村,220\n", encoding="utf-8")
    failed = run_govkit("import", "divisions", str(bad), env=env)
    assert failed.returncode != 0
    assert "第 2 行：" in failed.stderr and "11 位" in failed.stderr
    assert "第 3 行：" in failed.stderr and "621002101000" in failed.stderr
    assert "未导入任何数据" in failed.stderr
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM gk_division")).scalar() == 0

    done = run_govkit("import", "divisions", str(sample_path()), env=env)
    assert done.returncode == 0, done.stderr
    assert "已导入 51 行（新增 51" in done.stdout and "村级 38" in done.stdout
    again = run_govkit("import", "divisions", str(sample_path()), env=env)
    assert "新增 0，更新或不变 51" in again.stdout

    out = tmp_path / "out.csv"
    exported = run_govkit("export", "divisions", str(out), "--under", "621002102000", env=env)
    assert exported.returncode == 0, exported.stderr
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "统计用区划代码,名称,城乡分类代码" and len(lines) == 7
    assert "621002102204,寺里村委会,220" in lines
    engine.dispose()


def test_sample_is_chosen_by_county_code_and_path_or_sample_is_required():
    from click.testing import CliRunner

    from govkit.hierarchy.cli import import_divisions
    from govkit.hierarchy.sample import sample_for_code

    assert sample_for_code("621002") == sample_for_code("621002000000") == sample_path("sample_county")
    assert sample_for_code("629901") == sample_path("demo_county")
    unknown = CliRunner().invoke(import_divisions, ["--sample", "110101"])
    assert unknown.exit_code == 2 and "621002" in unknown.output and "629901" in unknown.output
    neither = CliRunner().invoke(import_divisions, [])
    assert neither.exit_code == 2 and "--sample 621002" in neither.output
    both = CliRunner().invoke(import_divisions, [str(sample_path()), "--sample", "621002"])
    assert both.exit_code == 2 and "二者选一" in both.output
