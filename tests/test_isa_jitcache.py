"""A simulator's numba cache is dropped when its ISA table changes, and kept otherwise."""

from __future__ import annotations

from isa_sims.core import jitcache


def test_cache_follows_the_isa_table(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(jitcache, "_cache_dir", lambda sim: tmp_path / "__pycache__")
    sim, isa = tmp_path / "sim.py", tmp_path / "isa.py"
    sim.write_text("# loop\n")
    isa.write_text("TABLE = ['add', 'mul']\n")
    cached = tmp_path / "__pycache__" / "sim.run-10.py311.nbi"

    def compile_into_cache() -> None:
        cached.parent.mkdir(exist_ok=True)
        cached.write_text("machine code")

    jitcache.guard(sim, isa)                    # first sight: nothing to trust yet
    compile_into_cache()
    jitcache.guard(sim, isa)
    assert cached.exists()                      # same table: the cache stays
    isa.write_text("TABLE = ['add', 'sub', 'mul']\n")  # an instruction added: opcodes renumbered
    jitcache.guard(sim, isa)
    assert not cached.exists()
    compile_into_cache()
    jitcache.guard(sim, isa)
    assert cached.exists()
