"""One more try for an nbval kernel that dies while it starts.

nbval starts one kernel per notebook and, if it dies before answering its first request, errors every
cell of that notebook; it sends the kernel's stderr to /dev/null, so the reason is lost.  That
happened once in a fresh-clone run of the whole suite (chapter 05's kernel, the first one its
worker started; the same chapter passed on its own and in every other run).  A second start gets
one more chance and is reported; a kernel that dies twice fails the notebook as before.
"""

from __future__ import annotations

import sys
from typing import Any, Callable


def with_one_retry(start: Callable[..., Any]) -> Callable[..., Any]:
    """`start` (nbval.kernel.start_new_kernel), tried a second time if it raises RuntimeError."""
    def start_with_retry(*args: Any, **kwargs: Any) -> Any:
        try:
            return start(*args, **kwargs)
        except RuntimeError as error:
            sys.stderr.write(f"nbval's kernel failed to start ({error}); starting it once more\n")
            return start(*args, **kwargs)
    return start_with_retry


def install() -> None:
    """Make nbval start its kernels through `with_one_retry`."""
    import nbval.kernel
    if not getattr(nbval.kernel.start_new_kernel, "_retries", False):
        nbval.kernel.start_new_kernel = with_one_retry(nbval.kernel.start_new_kernel)
        nbval.kernel.start_new_kernel._retries = True
