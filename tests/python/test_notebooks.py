"""python/examples/run_notebooks.py (run by CI on every example notebook) fails on a failing
cell, and the committed notebooks carry no outputs."""

import importlib.util

import nbformat


def runner(root):
    spec = importlib.util.spec_from_file_location("run_notebooks", root / "python" / "examples" / "run_notebooks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_a_failing_cell_fails_the_run(root, tmp_path, capsys):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import channel_kpi as ck\nck.Period.parse('2025-Q5')")])
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    assert runner(root).main([str(path)]) == 1
    assert "ParseError" in capsys.readouterr().err


def test_committed_notebooks_have_no_outputs(root):
    notebooks = sorted(p for p in (root / "python" / "examples").glob("*.ipynb") if not p.name.endswith(".out.ipynb"))
    assert notebooks, "python/examples holds the example notebooks"
    for p in notebooks:
        for cell in nbformat.read(p, as_version=4).cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, f"{p.name}: clear the outputs before committing"
