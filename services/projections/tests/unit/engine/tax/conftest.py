"""Tax tests run Tax-Calculator with numba's JIT off, decided before anything imports taxcalc.

The results are identical and the JIT would spend ~30 s compiling in every process. The
setting has to be fixed before numba is first imported: flipped afterwards (say, by the
first test module that needs it), numba fails on the first compiled call.
"""

import os

os.environ.setdefault("NUMBA_DISABLE_JIT", "1")
