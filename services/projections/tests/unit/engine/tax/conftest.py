"""Tax tests run Tax-Calculator with numba's JIT on, as the engine needs it.

They once turned the JIT off (NUMBA_DISABLE_JIT, before numba's first import) to spare
Tax-Calculator's ~15 s of compilation a process. The engine's own tax rules are compiled
with numba now (docs/ENGINE.md, "Compiled us kernel"), numba is imported with the engine,
before this file could decide, and flipping the setting after that import breaks every
compiled call: so the JIT stays on.
"""
