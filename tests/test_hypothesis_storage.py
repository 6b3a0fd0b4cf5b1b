"""The command leaves no ``.hypothesis/`` folder where it runs.

Hypothesis caches the constants of the modules it sees (here the embedded ``nnfs_core``,
an editable install, once a few examples are drawn) in ``.hypothesis/constants`` of the
working directory: ~95 files in a learner's folder after one ``gradcheck``. They go to
the user's cache folder instead, unless ``HYPOTHESIS_STORAGE_DIRECTORY`` says where. A
process of its own: the setting is the process's.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import gradcheck


def run(cwd, **env):
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("PYTEST_", "HYPOTHESIS_STORAGE"))}
    return subprocess.run([sys.executable, "-m", "gradcheck", "--examples", "5", "-q"],
                          cwd=cwd, capture_output=True, text=True, timeout=240,
                          env={**clean, **env})


@pytest.mark.skipif("site-packages" in gradcheck.__file__,
                    reason="nnfs_core installed: Hypothesis caches no constants of it")
def test_the_cache_goes_to_the_users_cache_folder_or_where_they_say(tmp_path):
    work, cache, mine = tmp_path / "learner", tmp_path / "cache", tmp_path / "mine"
    work.mkdir()
    done = run(work, XDG_CACHE_HOME=str(cache))
    assert done.returncode == 0, done.stderr
    assert not (work / ".hypothesis").exists()
    assert (cache / "nnfs-gradcheck" / "hypothesis" / "constants").is_dir()
    # the user's own choice wins
    done = run(work, XDG_CACHE_HOME=str(cache), HYPOTHESIS_STORAGE_DIRECTORY=str(mine))
    assert done.returncode == 0, done.stderr
    assert (mine / "constants").is_dir() and not (work / ".hypothesis").exists()
