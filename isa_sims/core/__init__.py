"""The machine-independent engine shared by every simulated accelerator: the ISA table
(:mod:`isa`), the assembler (:mod:`asm`), the manual generator (:mod:`manual`) and the
backend base class (:mod:`simbackend`). A machine supplies an :class:`isa.ISA`, a config
and a numba simulation function; see ``isa_sims/README.md``."""
